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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_manifest_bytes: 16 << 20,
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
        }
    }
}
