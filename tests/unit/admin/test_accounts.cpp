// Accounts and sessions: the scrypt KDF (RFC 7914 vector, parameters stored per user), the
// accounts file, session expiry and the failed-login limits.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "sprout/admin/accounts.hpp"
#include "sprout/admin/sessions.hpp"

using namespace sprout::admin;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string hex(const std::vector<std::uint8_t>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto c : b) out += {kHex[c >> 4], kHex[c & 15]};
  return out;
}

struct TempFile {
  TempFile() : dir(fs::temp_directory_path() / ("sprout-accounts-" + std::to_string(::getpid()) + "-" + std::to_string(++n))) {
    fs::create_directories(dir);
  }
  ~TempFile() { fs::remove_all(dir); }
  fs::path dir;
  fs::path file() const { return dir / "accounts.json"; }
  static inline int n = 0;
};

}  // namespace

TEST_CASE("scrypt: RFC 7914 test vector through OpenSSL's EVP_KDF", "[admin][accounts]") {
  const std::string salt = "NaCl";
  const auto out = scrypt_hash("password", {reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size()}, {1024, 8, 16});
  // The first 32 bytes of the RFC's 64-byte output (PBKDF2's blocks are independent).
  CHECK(hex(out) == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162");
}

TEST_CASE("scrypt: parameters are N=2^15 r=8 p=1 at least, stored per user", "[admin][accounts]") {
  constexpr KdfParams defaults;
  CHECK(defaults.n == 32768);
  CHECK(defaults.r == 8);
  CHECK(defaults.p == 1);
  CHECK(kdf_problem(defaults).empty());
  CHECK(kdf_problem({1u << 16, 8, 2}).empty());  // stronger is fine
  CHECK(kdf_problem({1u << 14, 8, 1}) == "scrypt parameters weaker than N=2^15, r=8, p=1");
  CHECK(kdf_problem({32768, 4, 1}) == "scrypt parameters weaker than N=2^15, r=8, p=1");
  CHECK(kdf_problem({40000, 8, 1}) == "n must be a power of two");
  CHECK(kdf_problem({std::uint64_t{1} << 24, 8, 1}) == "scrypt parameters over 1 GiB of memory");
  const Account a = make_account("alice", Role::admin, "correct horse");
  const Account b = make_account("bob", Role::viewer, "correct horse");
  CHECK(a.kdf == defaults);
  CHECK(a.salt.size() == 16);
  CHECK(a.hash.size() == 32);
  CHECK(a.salt != b.salt);  // a random salt per user: equal passwords, different hashes
  CHECK(a.hash != b.hash);
  CHECK(verify_password(a, "correct horse"));
  CHECK_FALSE(verify_password(a, "correct horsE"));
  CHECK_FALSE(verify_password(a, ""));
  // A user hashed with stronger parameters keeps them.
  const Account strong = make_account("carol", Role::admin, "battery staple", {1u << 16, 8, 1});
  CHECK(verify_password(strong, "battery staple"));
}

TEST_CASE("accounts file: 0600, read back, changes seen, errors located", "[admin][accounts]") {
  TempFile t;
  AccountStore store(t.file().string());
  std::string error;
  REQUIRE(store.refresh(error));  // missing: no accounts
  CHECK(store.empty());
  store.put(make_account("alice", Role::admin, "password-1"));
  store.put(make_account("viewer.1", Role::viewer, "password-2"));
  REQUIRE(store.save(error));
  struct stat st{};
  REQUIRE(::stat(t.file().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  AccountStore other(t.file().string());
  REQUIRE(other.refresh(error));
  REQUIRE(other.all().size() == 2);
  REQUIRE(other.find("viewer.1") != nullptr);
  CHECK(other.find("viewer.1")->role == Role::viewer);
  CHECK(verify_password(*other.find("alice"), "password-1"));
  // Another process (sproutdns passwd) deletes a user: the next refresh sees it.
  store.remove("viewer.1");
  REQUIRE(store.save(error));
  REQUIRE(other.refresh(error));
  CHECK(other.find("viewer.1") == nullptr);
  // A file edited to weaker parameters is refused whole, naming the user.
  std::string text = other.to_text();
  text.replace(text.find("32768"), 5, "1024");
  std::ofstream(t.file()) << text;
  CHECK_FALSE(other.refresh(error));
  CHECK_FALSE(other.usable());
  CHECK(error.find("user '\"alice\"': scrypt parameters weaker") != std::string::npos);
  std::ofstream(t.file()) << "{\"users\":{\"bad name\":{}}}";
  CHECK_FALSE(other.refresh(error));
  CHECK(error.find("letters, digits") != std::string::npos);
  std::ofstream(t.file()) << "not json";
  CHECK_FALSE(other.refresh(error));
  CHECK(user_name_problem("").size() > 0);
  CHECK(user_name_problem(std::string(65, 'a')).size() > 0);
  CHECK(password_problem("short").size() > 0);
}

TEST_CASE("sessions: random ids, idle and absolute expiry, deleted users", "[admin][sessions]") {
  SessionBook book({1800s, 7200s, 3});
  const auto t0 = SteadyClock::time_point{} + 1000h;
  const std::string a = book.open("alice", Role::admin, t0);
  const std::string b = book.open("bob", Role::viewer, t0);
  CHECK(a.size() == 43);  // 256 bits of base64url
  CHECK(a != b);
  Session* s = book.find(a, t0 + 1s);
  REQUIRE(s != nullptr);
  CHECK(s->csrf.size() == 43);
  CHECK(s->csrf != a);
  // Idle: each request restarts the idle clock...
  CHECK(book.find(a, t0 + 1799s) != nullptr);
  CHECK(book.find(a, t0 + 3598s) != nullptr);
  // ...but not past the absolute limit.
  CHECK(book.find(a, t0 + 5000s) != nullptr);
  CHECK(book.find(a, t0 + 6500s) != nullptr);
  CHECK(book.find(a, t0 + 7200s) == nullptr);
  CHECK(book.find(a, t0 + 6500s) == nullptr);  // gone for good
  CHECK(book.find(b, t0 + 1800s) == nullptr);  // idle 30 minutes
  CHECK(book.find("not-a-session", t0) == nullptr);
  // A deleted account's sessions end; the oldest session goes when the book is full.
  const std::string c1 = book.open("carol", Role::admin, t0), c2 = book.open("carol", Role::admin, t0 + 1s);
  const std::string d = book.open("dave", Role::admin, t0 + 2s);
  book.close_user("carol");
  CHECK(book.find(c1, t0 + 3s) == nullptr);
  CHECK(book.find(c2, t0 + 3s) == nullptr);
  CHECK(book.find(d, t0 + 3s) != nullptr);
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(book.open("e", Role::admin, t0 + std::chrono::seconds(10 + i)));
  CHECK(book.size() == 3);
  CHECK(book.find(d, t0 + 20s) == nullptr);  // evicted: least recently seen
}

TEST_CASE("login limits: per key, for a window from the first failure", "[admin][sessions]") {
  LoginLimiter limiter(5, 300s, 2);
  const auto t0 = SteadyClock::time_point{} + 1000h;
  for (int i = 0; i < 4; ++i) limiter.failure("address 192.0.2.1", t0 + std::chrono::seconds(i));
  CHECK(limiter.retry_after("address 192.0.2.1", t0 + 10s) == 0s);
  limiter.failure("address 192.0.2.1", t0 + 10s);
  CHECK(limiter.retry_after("address 192.0.2.1", t0 + 10s) == 290s);  // 5 minutes from the first failure
  CHECK(limiter.retry_after("address 192.0.2.1", t0 + 299s) == 1s);
  CHECK(limiter.retry_after("address 192.0.2.2", t0 + 10s) == 0s);  // another address
  CHECK(limiter.retry_after("address 192.0.2.1", t0 + 300s) == 0s);
  limiter.failure("address 192.0.2.1", t0 + 301s);  // a new window
  CHECK(limiter.retry_after("address 192.0.2.1", t0 + 302s) == 0s);
  for (int i = 0; i < 5; ++i) limiter.failure("user alice", t0);
  CHECK(limiter.retry_after("user alice", t0) > 0s);
  limiter.success("user alice");
  CHECK(limiter.retry_after("user alice", t0) == 0s);
}
