import { FORMAT_URN } from '../../subgraphs/media/domain/content-format.js';
import type {
  Colorspace,
  ComponentType,
  ContentFormat,
  DeleteRequestStatus,
  InterlaceMode,
  TransferCharacteristic,
} from './__generated__/operations.js';

/**
 * The enumerations of the REST shapes: each TAMS 7.0 spelling and its GraphQL enum value, both ways.
 * Each table covers its GraphQL enum completely (tsc checks it against the generated types) and nothing
 * more, so the TAMS vocabulary is exactly the schema's, spelt as 7.0 spells it.
 */
export class Vocabulary<G extends string> {
  private readonly byTams: ReadonlyMap<string, G>;

  constructor(readonly tamsOf: Readonly<Record<G, string>>) {
    this.byTams = new Map(Object.entries(tamsOf).map(([g, t]) => [t as string, g as G]));
  }

  /** The GraphQL value of a TAMS spelling; undefined when TAMS has no such value. */
  graphqlOf(tams: string): G | undefined {
    return this.byTams.get(tams);
  }

  /** The TAMS spellings, for messages naming what is expected. */
  get tamsValues(): string[] {
    return [...this.byTams.keys()];
  }
}

/** `format`: URNs in TAMS, the enum in GraphQL (the domain's own table). */
export const FORMAT = new Vocabulary<ContentFormat>(FORMAT_URN);

export const INTERLACE_MODE = new Vocabulary<InterlaceMode>({
  PROGRESSIVE: 'progressive',
  INTERLACED_TFF: 'interlaced_tff',
  INTERLACED_BFF: 'interlaced_bff',
  INTERLACED_PSF: 'interlaced_psf',
});

export const COLORSPACE = new Vocabulary<Colorspace>({
  BT601: 'BT601',
  BT709: 'BT709',
  BT2020: 'BT2020',
  BT2100: 'BT2100',
});

export const TRANSFER_CHARACTERISTIC = new Vocabulary<TransferCharacteristic>({
  SDR: 'SDR',
  HLG: 'HLG',
  PQ: 'PQ',
});

export const COMPONENT_TYPE = new Vocabulary<ComponentType>({ YCBCR: 'YCbCr', RGB: 'RGB' });

export const DELETE_REQUEST_STATUS = new Vocabulary<DeleteRequestStatus>({
  CREATED: 'created',
  STARTED: 'started',
  DONE: 'done',
  ERROR: 'error',
});
