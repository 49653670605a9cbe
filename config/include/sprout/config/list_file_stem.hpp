// Where a list's state lives: its name made safe as a file name, one mapping for all.
#pragma once

#include <string>
#include <string_view>

namespace sprout::config {

// The last-good copy is state_dir/lists/<stem>.list (.rpz when transferred): letters, digits,
// '-', '_' and '.' are kept, anything else becomes '_', and a leading '.' gets "list" before
// it. Two lists with one stem are refused when the config is read.
[[nodiscard]] std::string list_file_stem(std::string_view name);

}  // namespace sprout::config
