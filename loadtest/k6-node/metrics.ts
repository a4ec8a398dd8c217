/** `k6/metrics`: custom metrics, recorded for the runner's summary (tags are accepted and not kept). */
import { addSample } from './context.js';

abstract class Metric {
  constructor(
    readonly name: string,
    private readonly type: string,
  ) {}

  add(value: number | boolean, _tags?: Record<string, string>): void {
    addSample(this.name, this.type, Number(value));
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter');
  }
}

export class Gauge extends Metric {
  constructor(name: string) {
    super(name, 'gauge');
  }
}

export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate');
  }
}

export class Trend extends Metric {
  constructor(name: string, _isTime?: boolean) {
    super(name, 'trend');
  }
}

export default { Counter, Gauge, Rate, Trend };
