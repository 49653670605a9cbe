// sproutdns passwd: add, change or delete a dashboard account in state_dir/accounts.json.
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "commands.hpp"
#include "sprout/admin/accounts.hpp"

namespace sprout::cli {
namespace {

constexpr const char* kPasswdUsage =
    "usage: sproutdns passwd [-c FILE] [--user NAME] [--role admin|viewer] [--delete]\n"
    "  the password is read from stdin (one line; asked twice on a terminal)\n";

// One line from stdin; on a terminal without echo, after `prompt`.
std::optional<std::string> read_secret(const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::fputs(prompt, stderr);
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stderr);
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> read_password() {
  auto first = read_secret("Password: ");
  if (!first || ::isatty(STDIN_FILENO) != 1) return first;
  auto again = read_secret("Again: ");
  if (!again || *again != *first) {
    std::fputs("sproutdns passwd: the passwords differ\n", stderr);
    return std::nullopt;
  }
  return first;
}

// Run as root for a service that runs as its own user: the file goes to the state
// directory's owner, or the service could not read it.
void give_to_state_owner(const std::string& file, const std::string& state_dir) {
  struct stat st{};
  if (::geteuid() != 0 || ::stat(state_dir.c_str(), &st) != 0 || st.st_uid == 0) return;
  if (::chown(file.c_str(), st.st_uid, st.st_gid) != 0) std::perror(("sproutdns passwd: chown " + file).c_str());
}

struct PasswdArgs {
  std::string config, user = "admin", role;
  bool remove = false;
};

std::optional<PasswdArgs> parse_passwd(const std::vector<std::string>& args) {
  PasswdArgs a;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const bool value = i + 1 < args.size();
    if ((args[i] == "-c" || args[i] == "--config") && value) a.config = args[++i];
    else if (args[i] == "--user" && value) a.user = args[++i];
    else if (args[i] == "--role" && value) a.role = args[++i];
    else if (args[i] == "--delete") a.remove = true;
    else return std::nullopt;
  }
  return a;
}

int save(admin::AccountStore& store, const config::Config& cfg, const std::string& done) {
  std::string error;
  std::error_code ignored;
  std::filesystem::create_directories(cfg.state_dir, ignored);
  if (!store.save(error)) return std::fprintf(stderr, "sproutdns passwd: %s\n", error.c_str()), 1;
  give_to_state_owner(store.path(), cfg.state_dir);
  std::printf("%s (%s)\n", done.c_str(), store.path().c_str());
  return 0;
}

}  // namespace

int passwd(const std::vector<std::string>& args) {
  const auto a = parse_passwd(args);
  if (!a) return std::fputs(kPasswdUsage, stderr), 2;
  if (const std::string why = admin::user_name_problem(a->user); !why.empty()) return std::fprintf(stderr, "sproutdns passwd: %s\n", why.c_str()), 2;
  auto cfg = load_config(a->config);
  if (!cfg) return 1;
  admin::AccountStore store(cfg->state_dir + "/accounts.json");
  std::string error;
  if (!store.refresh(error)) return std::fprintf(stderr, "sproutdns passwd: %s\n", error.c_str()), 1;
  if (a->remove) {
    if (!store.remove(a->user)) return std::fprintf(stderr, "sproutdns passwd: no user '%s'\n", a->user.c_str()), 1;
    return save(store, *cfg, "user " + a->user + " deleted");
  }
  const admin::Account* old = store.find(a->user);
  const auto role = a->role.empty() ? std::optional(old != nullptr ? old->role : admin::Role::admin) : admin::parse_role(a->role);
  if (!role) return std::fputs("sproutdns passwd: --role is admin or viewer\n", stderr), 2;
  const auto password = read_password();
  if (!password) return std::fputs("sproutdns passwd: no password given on stdin\n", stderr), 1;
  if (const std::string why = admin::password_problem(*password); !why.empty()) return std::fprintf(stderr, "sproutdns passwd: %s\n", why.c_str()), 1;
  store.put(admin::make_account(a->user, *role, *password));
  return save(store, *cfg, "user " + a->user + " (" + std::string(admin::role_name(*role)) + ") saved");
}

}  // namespace sprout::cli
