// A real PostgreSQL server for tests: initdb + pg_ctl in a temporary directory, on a free
// loopback port, run as an unprivileged user (`nobody` through runuser when the tests run
// as root: postgres refuses root). Stopped and removed at scope exit.
#pragma once

#include <filesystem>
#include <string>

namespace sprout::test {

class PgServer {
 public:
  PgServer();  // initdb and start; throws std::runtime_error with the log when it fails
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  void start();
  // Immediate shutdown: as if the database host died (no checkpoint, connections cut).
  void kill();
  [[nodiscard]] bool running() const noexcept { return running_; }
  // host=127.0.0.1 port=N dbname=postgres user=sprout (trust authentication on loopback)
  [[nodiscard]] std::string conninfo(const std::string& user = "sprout") const;
  // Runs SQL with psql as the superuser; returns psql's unaligned output (tuples only).
  [[nodiscard]] std::string psql(const std::string& sql) const;
  [[nodiscard]] unsigned short port() const noexcept { return port_; }

 private:
  [[nodiscard]] std::string as_user(const std::string& command) const;
  static std::string bin(const std::string& tool);
  std::filesystem::path dir_;
  unsigned short port_ = 0;
  bool running_ = false;
};

}  // namespace sprout::test
