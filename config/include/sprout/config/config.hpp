// Sprout configuration: the plain structs a YAML file is loaded into (no YAML types leak out).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace sprout::config {

// An IPv4 or IPv6 address; IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
// so one prefix-matching routine serves both families.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
  bool operator==(const IpAddress&) const = default;
  [[nodiscard]] std::string to_string() const;
  static std::optional<IpAddress> parse(std::string_view text);  // "10.0.0.1", "::1", no brackets
};

// A CIDR prefix. `bits` counts from the start of the 16-byte form, so 10.0.0.0/8 is stored
// with bits = 96 + 8.
struct IpPrefix {
  IpAddress address;
  std::uint8_t bits = 0;
  [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
  [[nodiscard]] std::string to_string() const;                    // "10.0.0.0/8"
  static std::optional<IpPrefix> parse(std::string_view text);    // "10.0.0.0/8", "::1/128", "1.2.3.4"
};

struct Endpoint {  // listen: "127.0.0.1:5354", "[::1]:5354"
  IpAddress address;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;
};

struct Upstream {
  IpAddress address;
  std::uint16_t port = 53;
  std::chrono::milliseconds timeout{700};  // per try
  int tries = 2;                           // 1-10
};

struct TcpLimits {
  std::chrono::milliseconds idle_timeout{10000};
  int max_connections = 512;        // per worker
  int max_inflight_per_connection = 64;
};

enum class LogLevel { debug, info, warn, error };

struct Logging {
  LogLevel level = LogLevel::info;
};

enum class ListFormat { auto_detect, domains, hosts, adblock, rpz };

struct Category {
  std::string name;
  std::string description;
};

struct List {
  std::string name;
  std::string category;            // must name a category (checked at load)
  std::string source;              // a file path, or an http:// / https:// URL
  ListFormat format = ListFormat::auto_detect;
  bool allow = false;              // true: an allowlist (its entries override blocks)
  std::chrono::seconds refresh{86400};
  std::size_t max_bytes = 256u << 20;
};

enum class BlockMode { nxdomain, null_ip, refused, blockpage };

struct Profile {
  std::string name;
  std::vector<std::string> block;        // category names (checked at load)
  std::vector<std::string> allow;        // domains always allowed (normalized lowercase, no trailing dot)
  std::vector<std::string> deny;         // domains always blocked
  BlockMode block_mode = BlockMode::nxdomain;
  std::optional<IpAddress> blockpage_v4;
  std::optional<IpAddress> blockpage_v6;
  std::uint32_t block_ttl = 300;
};

struct Network {
  std::string name;
  std::vector<IpPrefix> cidrs;
  std::string profile;                   // must name a profile (checked at load)
  std::map<std::string, std::string> labels;
};

struct Config {
  std::string source;                    // file name it came from, or "<embedded default>"
  std::vector<Endpoint> listen;
  int workers = 0;                       // 0 = one per core
  std::vector<Upstream> upstreams;       // empty in YAML = take them from /etc/resolv.conf
  TcpLimits tcp;
  Logging logging;
  std::string state_dir = "/var/lib/sprout";  // last-good list copies
  std::vector<Category> categories;
  std::vector<List> lists;
  std::vector<Profile> profiles;         // always contains "default" after load
  std::vector<Network> networks;         // the only sources allowed to query
};

}  // namespace sprout::config
