// Internal: turns a parsed YAML document into a Config, reporting every problem to a Reader.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node_reader.hpp"
#include "sprout/config/config.hpp"

namespace sprout::config::detail {

class ConfigParser {
 public:
  // `base_dir` is where relative paths (list sources, state_dir) are resolved from.
  ConfigParser(Reader& reader, std::filesystem::path base_dir);

  // Fills `out` from the document root; defaults are applied by the caller afterwards.
  void parse(const Field& root, Config& out);
  [[nodiscard]] bool saw_listen() const { return saw_listen_; }
  [[nodiscard]] bool saw_networks() const { return saw_networks_; }

 private:
  void collect_names(const YAML::Node& root);
  void read_listen(const Field& f);
  void read_logging(const Field& f);
  void read_category(const std::string& name, const Field& f);
  void read_networks(const Field& f);
  void read_upstream(const Field& f);
  void read_tcp(const Field& f);
  void read_list(const std::string& name, const Field& f);
  // config_parser_transfer.cpp: `source: axfr://...` and the `transfer:` block.
  std::optional<Transfer> read_axfr_source(const Field& f, const std::string& list, const std::string& text);
  void read_transfer(List& l, const Field& f);
  std::optional<TsigKey> read_tsig(const Field& f);
  void read_tsig_secret(TsigKey& k, const Field& f);
  void read_profile(const std::string& name, const Field& f);
  void read_block_mode(Profile& p, const Field& f, const Field* blockpage);
  void read_blockpage(Profile& p, const Field& f);
  void read_network(const std::string& name, const Field& f);
  void read_cidr(Network& n, const Field& f);
  std::optional<IpPrefix> cidr(const Field& f);
  std::vector<IpPrefix> read_prefixes(const Field& f);
  std::optional<std::string> read_timezone(const Field& f);
  std::optional<std::chrono::seconds> seconds(const Field& f, std::chrono::seconds lo, std::chrono::seconds hi);
  void read_cache(const Field& f);
  void read_admin(const Field& f);
  void read_blockpage(const Field& f);
  void read_stats(const Field& f);
  void read_postgres_stats(const Field& f);
  void read_instance(const Field& f);
  static std::string host_name();
  void read_reports(const Field& f);
  void read_query_log(const Field& f);
  void read_rate_limit(const Field& f);
  void read_upstream_limit(const Field& f);
  void read_device(const std::string& name, const Field& f);
  void read_device_mac(Device& d, const Field& f);
  void read_dhcp_leases(const Field& f);
  void check_devices(const Field& root);
  void read_service(const std::string& name, const Field& f);
  std::vector<std::string> read_service_names(const Field& f);
  void add_service_lists(const Field& root);
  void read_tls(const Field& f);
  UpstreamTls read_upstream_tls(const Field& f);
  void check_plain_http(const EncryptedListener& l, const Field& f);
  void read_encrypted_listener(std::vector<EncryptedListener>& out, std::uint16_t default_port, bool doh, const Field& f);
  void read_client(const std::string& id, const Field& f);
  void check_encrypted(const Field& root);
  std::optional<Endpoint> read_endpoint(const Field& f);
  void read_safesearch(SafeSearch& s, const Field& f);
  void read_schedule(Profile& p, const std::string& name, const Field& f);
  void check_schedule(const Schedule& s, const Field& f, const Field* block, const Field* allow,
                      const Field* allow_categories);
  std::optional<Window> read_window(const Field& f);
  std::uint8_t read_days(const Field& f);
  void read_labels(Network& n, const Field& f);
  std::vector<std::string> read_domains(const Field& f);
  std::optional<std::string> reference(const Field& f, const std::set<std::string>& defined,
                                       std::string_view kind);
  std::string resolve_path(const std::string& path) const;

  Reader& r_;
  std::filesystem::path base_dir_;
  Config* cfg_ = nullptr;
  std::set<std::string> categories_;
  std::set<std::string> profiles_;
  std::set<std::string> services_;  // the catalogue's and those defined under `services:`
  std::set<std::string> used_services_;
  std::map<std::string, std::string> cidr_owner_;  // "10.0.0.0/8" -> network name
  std::map<std::string, std::string> mac_owner_;   // "02:00:00:00:00:0a" -> device name
  std::map<std::string, std::string> zone_owner_;  // transferred zone -> "list NAME (line N)"
  std::map<std::string, std::string> stem_owner_;  // list_file_stem -> "'NAME' (line N)"
  bool saw_listen_ = false;
  bool saw_networks_ = false;
};

}  // namespace sprout::config::detail
