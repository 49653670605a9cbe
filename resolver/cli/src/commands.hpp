// The sproutdns subcommands other than serve: check-config, lists, explain, report, querylog, init.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sprout/config/config.hpp"

namespace sprout::cli {

// Loads --config FILE (or the embedded default); prints every error and returns nullopt.
std::optional<config::Config> load_config(const std::string& path);

int check_config(const std::vector<std::string>& args);
int lists(const std::vector<std::string>& args);
int explain(const std::vector<std::string>& args);
int report(const std::vector<std::string>& args);
int querylog(const std::vector<std::string>& args);
int init(const std::vector<std::string>& args);
int devices(const std::vector<std::string>& args);
int pause(const std::vector<std::string>& args);
int audit(const std::vector<std::string>& args);
int passwd(const std::vector<std::string>& args);  // account_commands.cpp

}  // namespace sprout::cli
