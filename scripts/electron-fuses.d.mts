/** The @electron/fuses configuration for ELECTRON_FUSES (src/main/electronPolicy.ts). */
export function fuseConfig(
  FuseV1Options: Record<string, number | string>,
  FuseVersion: { V1: string }
): Record<string, unknown>
