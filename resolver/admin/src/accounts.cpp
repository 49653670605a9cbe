// Accounts: the scrypt KDF through OpenSSL 3's EVP_KDF, and the accounts file (JSON, 0600, atomic writes).
#include "sprout/admin/accounts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "sprout/admin/http_util.hpp"
#include "sprout/core/base64url.hpp"
#include "sprout/core/json.hpp"

namespace sprout::admin {
namespace {

constexpr KdfParams kMinimum{};
// 128 * N * r bytes per lane: 1 GiB at most, so a hand-edited file cannot exhaust the box.
constexpr std::uint64_t kMaxKdfMemory = std::uint64_t{1} << 30;

struct KdfDeleter {
  void operator()(EVP_KDF* k) const noexcept { EVP_KDF_free(k); }
  void operator()(EVP_KDF_CTX* c) const noexcept { EVP_KDF_CTX_free(c); }
};

std::optional<std::vector<std::uint8_t>> decode(const core::Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
  const std::string text = j[key].get<std::string>();
  std::vector<std::uint8_t> out(text.size());
  const auto n = core::base64url_decode(text, out);
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

std::optional<std::uint64_t> number(const core::Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_unsigned()) return std::nullopt;
  return j[key].get<std::uint64_t>();
}

// One account from its JSON object; empty on success, else the field that is wrong.
std::string read_account(const std::string& name, const core::Json& j, Account& a) {
  if (!j.is_object()) return "not an object";
  a.name = name;
  const auto role = j.contains("role") && j["role"].is_string() ? parse_role(j["role"].get<std::string>()) : std::nullopt;
  if (!role) return "role must be admin or viewer";
  a.role = *role;
  if (!j.contains("kdf") || j["kdf"] != "scrypt") return "kdf must be scrypt";
  const auto n = number(j, "n"), r = number(j, "r"), p = number(j, "p");
  if (!n || !r || !p || *r > 0xFFFFFFFFu || *p > 0xFFFFFFFFu) return "n, r and p must be numbers";
  a.kdf = {*n, static_cast<std::uint32_t>(*r), static_cast<std::uint32_t>(*p)};
  if (std::string why = kdf_problem(a.kdf); !why.empty()) return why;
  auto salt = decode(j, "salt"), hash = decode(j, "hash");
  if (!salt || salt->size() < kSaltBytes) return "salt must be base64url, at least 16 bytes";
  if (!hash || hash->size() != kHashBytes) return "hash must be base64url, 32 bytes";
  a.salt = std::move(*salt);
  a.hash = std::move(*hash);
  return {};
}

}  // namespace

std::string_view role_name(Role r) noexcept { return r == Role::admin ? "admin" : "viewer"; }

std::optional<Role> parse_role(std::string_view text) noexcept {
  if (text == "admin") return Role::admin;
  if (text == "viewer") return Role::viewer;
  return std::nullopt;
}

std::string kdf_problem(const KdfParams& k) {
  if (k.n < 2 || (k.n & (k.n - 1)) != 0) return "n must be a power of two";
  if (k.n < kMinimum.n || k.r < kMinimum.r || k.p < kMinimum.p) return "scrypt parameters weaker than N=2^15, r=8, p=1";
  if (k.r > 64 || k.p > 16 || k.n > kMaxKdfMemory / 128 / k.r) return "scrypt parameters over 1 GiB of memory";
  return {};
}

std::vector<std::uint8_t> scrypt_hash(std::string_view password, std::span<const std::uint8_t> salt, const KdfParams& k) {
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  if (!kdf) throw std::runtime_error("OpenSSL has no SCRYPT KDF");
  std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) throw std::runtime_error("EVP_KDF_CTX_new failed");
  std::uint64_t n = k.n;
  std::uint32_t r = k.r, p = k.p;
  // OpenSSL refuses scrypt above 32 MiB by default, which N=2^15, r=8 just passes: allow what
  // kdf_problem() allows, plus the lanes' scratch.
  std::uint64_t maxmem = kMaxKdfMemory * 2;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()), password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  std::vector<std::uint8_t> out(kHashBytes);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) throw std::runtime_error("scrypt failed");
  return out;
}

std::string user_name_problem(std::string_view name) {
  if (name.empty() || name.size() > 64) return "a user name has 1-64 characters";
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return "a user name has only letters, digits, '.', '_' and '-'";
  }
  return {};
}

std::string password_problem(std::string_view password) {
  if (password.size() < kMinPasswordBytes) return "a password has at least 8 characters";
  if (password.size() > kMaxPasswordBytes) return "a password has at most 512 bytes";
  return {};
}

Account make_account(std::string name, Role role, std::string_view password, const KdfParams& k) {
  Account a{std::move(name), role, k, std::vector<std::uint8_t>(kSaltBytes), {}};
  if (RAND_bytes(a.salt.data(), static_cast<int>(a.salt.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  a.hash = scrypt_hash(password, a.salt, k);
  return a;
}

bool verify_password(const Account& a, std::string_view password) {
  const std::vector<std::uint8_t> got = scrypt_hash(password, a.salt, a.kdf);
  return constant_time_equal({reinterpret_cast<const char*>(got.data()), got.size()},
                             {reinterpret_cast<const char*>(a.hash.data()), a.hash.size()});
}

const Account* AccountStore::find(std::string_view name) const noexcept {
  for (const Account& a : accounts_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

void AccountStore::put(Account a) {
  for (Account& old : accounts_) {
    if (old.name == a.name) return void(old = std::move(a));
  }
  accounts_.push_back(std::move(a));
}

bool AccountStore::remove(std::string_view name) {
  return std::erase_if(accounts_, [&](const Account& a) { return a.name == name; }) > 0;
}

bool AccountStore::parse(std::string_view text, std::vector<Account>& out, std::string& error) {
  const core::Json doc = core::Json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("users") || !doc["users"].is_object()) {
    error = "not a JSON object with \"users\"";
    return false;
  }
  out.clear();
  for (const auto& [name, value] : doc["users"].items()) {
    Account a;
    std::string why = user_name_problem(name);
    if (why.empty()) why = read_account(name, value, a);
    if (!why.empty()) {
      error = "user '" + core::dump_json(name) + "': " + why;
      return false;
    }
    out.push_back(std::move(a));
  }
  return true;
}

std::string AccountStore::to_text() const {
  core::Json users = core::Json::object();
  for (const Account& a : accounts_) {
    users[a.name] = {{"role", role_name(a.role)}, {"kdf", "scrypt"}, {"n", a.kdf.n}, {"r", a.kdf.r}, {"p", a.kdf.p},
                     {"salt", core::base64url_encode(a.salt)}, {"hash", core::base64url_encode(a.hash)}};
  }
  return core::dump_json({{"users", users}}, 2) + "\n";
}

bool AccountStore::refresh(std::string& error) {
  if (path_.empty()) return true;
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0) {
    if (errno != ENOENT) return error = path_ + ": " + std::strerror(errno), usable_ = false;
    accounts_.clear();
    seen_size_ = seen_mtime_ns_ = -1;
    return usable_ = true;
  }
  const std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (mtime == seen_mtime_ns_ && st.st_size == seen_size_) return usable_;
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<Account> parsed;
  if (!in || !parse(text.str(), parsed, error)) {
    if (error.empty()) error = "cannot read";
    error = path_ + ": " + error;
    return usable_ = false;
  }
  accounts_ = std::move(parsed);
  seen_mtime_ns_ = mtime;
  seen_size_ = st.st_size;
  return usable_ = true;
}

bool AccountStore::save(std::string& error) {
  if (path_.empty()) return true;
  const std::string tmp = path_ + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return error = "cannot create " + tmp + ": " + std::strerror(errno), false;
  const std::string text = to_text();
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path_.c_str()) != 0) {
    error = "cannot write " + path_ + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  seen_mtime_ns_ = seen_size_ = -1;  // the next refresh re-reads what was written
  return refresh(error);
}

}  // namespace sprout::admin
