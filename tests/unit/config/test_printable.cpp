// printable(): untrusted text made safe for terminals and log lines.
#include <catch2/catch.hpp>

#include "sprout/config/printable.hpp"

using sprout::config::printable;

TEST_CASE("control bytes, C1 controls and broken UTF-8 are escaped; valid text passes") {
  CHECK(printable("plain.example") == "plain.example");
  CHECK(printable("Đắk Lắk") == "Đắk Lắk");
  CHECK(printable("\x1b[2Jgone") == "\\x1b[2Jgone");
  CHECK(printable(std::string_view("a\0b", 3)) == "a\\x00b");
  CHECK(printable("line\nnext\r") == "line\\x0anext\\x0d");
  CHECK(printable("\x7f") == "\\x7f");
  CHECK(printable("\xc2\x9b") == "\\xc2\\x9b");          // U+009B, the 8-bit CSI
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");
  CHECK(printable("\xe2\x82") == "\\xe2\\x82");          // cut short
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(printable("a\\x1b") == "a\\\\x1b");              // an escape cannot be forged
}
