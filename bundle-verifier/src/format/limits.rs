//! Every size bound the reader enforces, in one place (see `docs/FORMAT.md`, "Limits").

/// Bounds applied to untrusted input before and after authentication.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest `manifest.json` accepted.
    pub max_manifest_bytes: u64,
    /// Largest `signatures.json` accepted.
    pub max_signatures_bytes: u64,
    /// Most trust root members one bundle may carry.
    pub max_trust_roots: usize,
    /// Largest SBOM (`sbom.json`) accepted.
    pub max_sbom_bytes: u64,
    /// Largest trust root document accepted.
    pub max_trust_root_bytes: u64,
    /// Most signatures in one bundle.
    pub max_signatures: usize,
    /// Most targets (model × mode) in one manifest.
    pub max_targets: usize,
    /// Most file entries over all targets.
    pub max_files: usize,
    /// Most blobs in the payload.
    pub max_blobs: usize,
    /// Longest path of a file, in bytes of UTF-8.
    pub max_path_bytes: usize,
    /// Longest single path component, in bytes of UTF-8.
    pub max_component_bytes: usize,
    /// Deepest directory nesting of a path.
    pub max_path_depth: usize,
    /// Largest sum of all blob sizes (the decompressed payload).
    pub max_total_bytes: u64,
    /// Longest free text (title, notes, confirmation text), per language.
    pub max_text_bytes: usize,
    /// Most languages one text field (title, notes, confirmation text) may have.
    pub max_text_languages: usize,
    /// Largest zstd window the decoder allocates (2^n bytes).
    pub zstd_window_log_max: u32,

    // Whole files read from disk (`format::read`): each must be a regular
    // file no larger than its limit, or it is refused without being read.
    /// Largest key file (public, secret or device key, passphrase file).
    /// The key crate enforces it: it is [`bundle_keys::MAX_KEY_FILE_BYTES`].
    pub max_key_file_bytes: u64,
    /// Largest instrument identity file (`ID.toml`).
    pub max_identity_bytes: u64,
    /// Largest device registry file (`report --registry`).
    pub max_registry_bytes: u64,
    /// Largest receipt file. A receipt lists the files of one target (at
    /// most `max_files`): at most 200 bytes of JSON per file besides its
    /// path, against at least 116 in the manifest that named it, so its
    /// file list is about 50 MiB at most (FORMAT.md 6); the rest is room
    /// for a refusal's detail (which may list paths too), confirmations
    /// and backups.
    pub max_receipt_bytes: u64,
    /// Largest JSON record in the state directory (installed records, the
    /// journal, a transaction): like a receipt, each lists at most the
    /// files of one target, so it is bounded by the manifest limit.
    pub max_state_record_bytes: u64,
    /// Largest release spec the builder reads (`release.toml`).
    pub max_spec_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // 100,000 files of distinct content in shared sets (FORMAT.md 2.4)
            // take about 23 MiB.
            max_manifest_bytes: 32 << 20,
            max_signatures_bytes: 64 << 10,
            max_trust_roots: 16,
            max_trust_root_bytes: 256 << 10,
            max_sbom_bytes: 16 << 20,
            max_signatures: 64,
            max_targets: 256,
            max_files: 200_000,
            max_blobs: 200_000,
            max_path_bytes: 1024,
            max_component_bytes: 255,
            max_path_depth: 32,
            max_total_bytes: 64 << 30,
            max_text_bytes: 64 << 10,
            max_text_languages: 16,
            zstd_window_log_max: 25,
            max_key_file_bytes: bundle_keys::MAX_KEY_FILE_BYTES,
            max_identity_bytes: 64 << 10,
            max_registry_bytes: 16 << 20,
            max_receipt_bytes: 64 << 20,
            max_state_record_bytes: 64 << 20,
            max_spec_bytes: 1 << 20,
        }
    }
}
