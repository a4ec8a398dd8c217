import type { Tracer } from '@opentelemetry/api';

/**
 * Which tracing this process has installed, if any. Apart from tracing.ts (which loads the OpenTelemetry
 * SDK, ~10 MB of resident modules, only when tracing is configured) so that asking costs nothing.
 */
let installed: { readonly tracer: Tracer } | undefined;

/** The tracer of the installed tracing, or undefined when tracing is off. */
export function activeTracer(): Tracer | undefined {
  return installed?.tracer;
}

/** Records what is installed; tracing.ts calls it on install (a tracing) and uninstall (undefined). */
export function setActiveTracing(tracing: { readonly tracer: Tracer } | undefined): void {
  installed = tracing;
}

/** Whether `tracing` is the one installed. */
export function isActiveTracing(tracing: object): boolean {
  return installed === tracing;
}
