/** Version of the conv toolkit written into manifests and audit events (kept in step by changesets). */
export const CONV_VERSION = '0.1.0';
