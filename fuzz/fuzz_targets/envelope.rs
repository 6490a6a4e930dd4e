//! The outer container reader on arbitrary bytes.
#![no_main]

use bundle_verifier::format::envelope::{EnvelopeReader, MEMBER_PAYLOAD};
use bundle_verifier::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let mut env = EnvelopeReader::new(data);
    if env.read_front(&limits).is_err() {
        return;
    }
    let Ok(size) = env.read_header(MEMBER_PAYLOAD, 1 << 20) else {
        return;
    };
    let mut buf = vec![0u8; size as usize];
    if std::io::Read::read_exact(env.inner_mut(), &mut buf).is_err() {
        return;
    }
    env.offset += size;
    if env.read_padding(size, MEMBER_PAYLOAD).is_ok() {
        let _ = env.read_end();
    }
});
