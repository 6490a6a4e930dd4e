/* Test harness only, never shipped: Wine 8.0 has no bcryptprimitives.dll,
 * whose ProcessPrng Rust's standard library imports, so every Rust .exe
 * fails to load (c0000135). This stand-in answers ProcessPrng from
 * RtlGenRandom (SystemFunction036), which Wine has. scripts/wine-test.sh
 * builds it into the test prefix only when Wine lacks the DLL. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
