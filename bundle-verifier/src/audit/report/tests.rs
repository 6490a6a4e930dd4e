//! Unit tests of classification: event order by transaction counter, and
//! which later events change a mode's status.

use super::*;
use crate::instrument::receipt::{BundleRef, ReceiptIdentity, RECEIPT_TYPE};

fn rel(id: &str, sequence: u64) -> ReleaseRef {
    ReleaseRef {
        id: id.into(),
        sequence,
        version: "1".into(),
    }
}

fn event(counter: u32, time: &str, action: &str, result: &str) -> Receipt {
    Receipt {
        action: action.into(),
        actions: vec![],
        backup: vec![],
        bundle: Some(BundleRef {
            file: "b".into(),
            manifest_sha256: crate::format::digest::Sha256Digest::of(b"m"),
            release: rel("R", 2),
            signed_by: vec![],
        }),
        confirmations: vec![],
        detail: None,
        files: vec![],
        identity: ReceiptIdentity {
            installed_version: "1".into(),
            mode: "Dx".into(),
            model: "M".into(),
            serial: "S".into(),
            udi_di: None,
        },
        installed_after: (result == RESULT_INSTALLED).then(|| rel("R", 2)),
        installed_before: (result == RESULT_ROLLED_BACK).then(|| rel("R", 2)),
        result: result.into(),
        root: "/".into(),
        time: time.into(),
        tool: "t".into(),
        transaction: format!("{counter:06}-x"),
        type_: RECEIPT_TYPE.into(),
    }
}

#[test]
fn the_transaction_counter_orders_events_even_when_the_clock_went_back() {
    let install = event(1, "2030-01-01T00:00:00Z", "apply", RESULT_INSTALLED);
    let rollback = event(2, "2020-01-01T00:00:00Z", "rollback", RESULT_ROLLED_BACK);
    let d = classify("R", vec![("b", &rollback), ("a", &install)]);
    assert_eq!(d.status, Status::RolledBack);
    let reinstall = event(3, "2019-01-01T00:00:00Z", "apply", RESULT_INSTALLED);
    let d = classify(
        "R",
        vec![("c", &reinstall), ("b", &rollback), ("a", &install)],
    );
    assert_eq!(d.status, Status::Patched);
}

#[test]
fn a_failed_retry_after_the_install_leaves_the_mode_patched() {
    let install = event(1, "2022-01-01T00:00:00Z", "apply", RESULT_INSTALLED);
    let failed = event(2, "2022-01-02T00:00:00Z", "apply", RESULT_FAILED);
    assert_eq!(
        classify("R", vec![("a", &install), ("b", &failed)]).status,
        Status::Patched
    );
    assert_eq!(classify("R", vec![("b", &failed)]).status, Status::Failed);
    assert_eq!(
        classify("other", vec![("b", &failed)]).status,
        Status::NotPatched
    );
}
