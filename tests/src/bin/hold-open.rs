//! Holds files open like a running service: `hold-open FILE...` opens each
//! file (on Windows sharing nothing, so no other process may open, replace
//! or remove it), prints `ready`, and keeps them open until stdin closes.

use std::io::{Read, Write};

fn main() {
    let files: Vec<std::fs::File> = std::env::args_os()
        .skip(1)
        .map(|p| {
            let mut o = std::fs::OpenOptions::new();
            o.read(true);
            #[cfg(windows)]
            std::os::windows::fs::OpenOptionsExt::share_mode(&mut o, 0);
            o.open(&p)
                .unwrap_or_else(|e| panic!("cannot open {}: {e}", p.to_string_lossy()))
        })
        .collect();
    if files.is_empty() {
        eprintln!("usage: hold-open FILE...");
        std::process::exit(2);
    }
    let mut out = std::io::stdout();
    writeln!(out, "ready")
        .and_then(|()| out.flush())
        .expect("stdout");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(files);
}
