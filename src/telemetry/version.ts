/** Sent as `telemetry.sdk.version` and the scope version; a unit test keeps it equal to package.json's version. */
export const SDK_VERSION = '0.1.0';
