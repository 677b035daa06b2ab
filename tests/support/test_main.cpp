// The doctest entry point: Debian's doctest ships no doctest_with_main library.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
