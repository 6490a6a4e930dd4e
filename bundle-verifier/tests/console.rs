//! On a Windows console the output code page is UTF-8 while a command runs
//! (cmd's default OEM page shows UTF-8 text as garbage) and the old page
//! comes back afterwards. Its own test binary: it swaps the process's
//! console and standard handles, which no other test may see.
#![cfg(windows)]

use windows_sys::Win32::System::Console::{
    AllocConsole, FreeConsole, GetConsoleOutputCP, GetStdHandle, SetConsoleOutputCP, SetStdHandle,
    STD_ERROR_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
};

#[test]
fn utf8_while_the_guard_lives_and_the_old_page_after() {
    let std = [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE];
    // SAFETY: plain Win32 calls on this process's own console and standard
    // handles; the old handles are back before anything is asserted.
    let (alloc, set, during, after) = unsafe {
        let saved = std.map(|h| GetStdHandle(h));
        // A console of our own (Wine gives a process without a terminal
        // one that refuses code pages); AllocConsole points the standard
        // handles at it, so standard output is a console.
        FreeConsole();
        let alloc = AllocConsole();
        let set = SetConsoleOutputCP(437);
        let during = {
            let _guard = bundle_verifier::platform::utf8_console();
            GetConsoleOutputCP()
        };
        let after = GetConsoleOutputCP();
        FreeConsole();
        for (h, s) in std.iter().zip(saved) {
            SetStdHandle(*h, s);
        }
        (alloc, set, during, after)
    };
    assert_ne!(alloc, 0, "no console of our own");
    if set == 0 {
        // Wine without a terminal gives only consoles that refuse code
        // pages; run under a pseudo-terminal (`script`) to check there.
        eprintln!("this console takes no code page; nothing to check");
        return;
    }
    assert_eq!(during, 65001);
    assert_eq!(after, 437);
}
