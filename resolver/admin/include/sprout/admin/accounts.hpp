// Dashboard accounts: users, roles and scrypt password hashes, kept in state_dir/accounts.json (0600).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sprout::admin {

enum class Role : std::uint8_t { viewer, admin };
[[nodiscard]] std::string_view role_name(Role r) noexcept;
[[nodiscard]] std::optional<Role> parse_role(std::string_view text) noexcept;

// scrypt (OpenSSL 3 EVP_KDF "SCRYPT"). Stored with each user, so the defaults can be raised
// later without invalidating existing passwords: a user keeps the parameters they were hashed
// with until the next password change.
struct KdfParams {
  std::uint64_t n = std::uint64_t{1} << 15;
  std::uint32_t r = 8;
  std::uint32_t p = 1;
  bool operator==(const KdfParams&) const = default;
};
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kHashBytes = 32;
inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 512;

// Why stored parameters are refused (empty: acceptable): never weaker than the defaults (a file
// edited down would weaken every guess's cost), never so large that one login exhausts memory.
[[nodiscard]] std::string kdf_problem(const KdfParams& k);
// The derived key; throws std::runtime_error when OpenSSL cannot compute it.
[[nodiscard]] std::vector<std::uint8_t> scrypt_hash(std::string_view password, std::span<const std::uint8_t> salt,
                                                    const KdfParams& k);

struct Account {
  std::string name;
  Role role = Role::viewer;
  KdfParams kdf;
  std::vector<std::uint8_t> salt, hash;
};

// 1-64 characters of A-Z a-z 0-9 . _ - ; empty when valid, else why not.
[[nodiscard]] std::string user_name_problem(std::string_view name);
[[nodiscard]] std::string password_problem(std::string_view password);
// A new account with a fresh random salt (OpenSSL RAND_bytes).
[[nodiscard]] Account make_account(std::string name, Role role, std::string_view password, const KdfParams& k = {});
// Recomputes and compares in constant time.
[[nodiscard]] bool verify_password(const Account& a, std::string_view password);

// The accounts file. Not thread-safe: the admin server uses it on the control thread only.
class AccountStore {
 public:
  explicit AccountStore(std::string path) : path_(std::move(path)) {}  // empty: memory only
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // Re-reads the file when its size or time changed since the last read (sproutdns passwd
  // while the server runs). A missing file is no accounts; false with `error` when the file
  // cannot be read or is invalid (then usable() is false until it is fixed).
  bool refresh(std::string& error);
  // Writes the file atomically (a temporary file, then rename), mode 0600.
  bool save(std::string& error);
  [[nodiscard]] bool usable() const noexcept { return usable_; }
  [[nodiscard]] bool empty() const noexcept { return accounts_.empty(); }
  [[nodiscard]] const Account* find(std::string_view name) const noexcept;
  [[nodiscard]] const std::vector<Account>& all() const noexcept { return accounts_; }
  void put(Account a);  // adds, or replaces the account of that name
  bool remove(std::string_view name);
  // Parses accounts.json text; false with `error` naming the user and field.
  static bool parse(std::string_view text, std::vector<Account>& out, std::string& error);
  [[nodiscard]] std::string to_text() const;

 private:
  std::string path_;
  std::vector<Account> accounts_;
  bool usable_ = true;
  std::int64_t seen_mtime_ns_ = -1;
  std::int64_t seen_size_ = -1;
};

}  // namespace sprout::admin
