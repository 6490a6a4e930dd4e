//! On a Windows console the output code page is UTF-8 while a command runs
//! (cmd's default OEM page shows UTF-8 text as garbage) and the old page
//! comes back afterwards. Its own test binary: it swaps the process's
//! console and standard handles, which no other test may see.
#![cfg(windows)]

use windows_sys::Win32::System::Console::{
    AllocConsole, FreeConsole, GetConsoleOutputCP, GetStdHandle, SetConsoleOutputCP, SetStdHandle,
    STD_OUTPUT_HANDLE,
};

#[test]
fn utf8_while_the_guard_lives_and_the_old_page_after() {
    // SAFETY: plain Win32 calls on this process's own console and handles;
    // the old standard output handle is put back before the test ends.
    unsafe {
        let saved = GetStdHandle(STD_OUTPUT_HANDLE);
        // A console of our own (Wine gives a process without a terminal
        // one that refuses code pages); AllocConsole points the standard
        // handles at it, so standard output is a console.
        FreeConsole();
        assert_ne!(AllocConsole(), 0, "no console");
        assert_ne!(SetConsoleOutputCP(437), 0);
        {
            let _guard = bundle_verifier::platform::utf8_console();
            assert_eq!(GetConsoleOutputCP(), 65001);
        }
        assert_eq!(GetConsoleOutputCP(), 437);
        FreeConsole();
        SetStdHandle(STD_OUTPUT_HANDLE, saved);
    }
}
