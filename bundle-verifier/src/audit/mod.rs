//! The auditor's side: the verify record (`verify --json`), the device
//! registry, the fleet report and the notice's verification form. Reads
//! receipts and bundles; never changes an instrument.

pub mod form;
pub mod record;
pub mod registry;
pub mod report;
