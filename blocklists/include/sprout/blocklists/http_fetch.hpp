// HTTP(S) download of one list with libcurl: timeouts, size cap, conditional GET.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace sprout::blocklists {

struct FetchRequest {
  std::string url;
  std::string dest_path;      // body is written here (truncated first)
  std::string etag;           // sent as If-None-Match when not empty
  std::string last_modified;  // sent as If-Modified-Since when not empty
  std::size_t max_bytes = 256u << 20;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds transfer_timeout{120};
  std::string bearer_token;   // sent as Authorization: Bearer when not empty (Sprout's admin API)
  bool post = false;          // an empty POST instead of a GET (the admin API's actions)
};

enum class FetchOutcome { downloaded, not_modified, failed };

struct FetchResult {
  FetchOutcome outcome = FetchOutcome::failed;
  long http_status = 0;
  std::string etag;           // of the response (downloaded)
  std::string last_modified;  // of the response (downloaded)
  std::size_t bytes = 0;
  std::string error;          // failed: why
};

// Never throws for network trouble: the outcome says what happened.
FetchResult http_fetch(const FetchRequest& request);

[[nodiscard]] bool is_http_url(std::string_view source) noexcept;

}  // namespace sprout::blocklists
