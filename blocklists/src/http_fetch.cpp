// http_fetch (see http_fetch.hpp). curl handles are wrapped in RAII at once.
#include "sprout/blocklists/http_fetch.hpp"

#include <curl/curl.h>

#include "sprout/blocklists/shared_library.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string_view>

namespace sprout::blocklists {
namespace {

// libcurl, loaded while downloads run and unloaded after the last one (shared_library.hpp:
// a server whose lists are files never maps it, one with URL lists only while fetching).
struct Curl {
  SharedLibrary lib{"libcurl.so.4"};
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_global_cleanup) global_cleanup = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
  bool loaded = false;

  Curl() {
    loaded = lib.resolve(global_init, "curl_global_init") && lib.resolve(global_cleanup, "curl_global_cleanup") &&
            lib.resolve(easy_init, "curl_easy_init") && lib.resolve(easy_cleanup, "curl_easy_cleanup") &&
            lib.resolve(easy_setopt, "curl_easy_setopt") && lib.resolve(easy_perform, "curl_easy_perform") &&
            lib.resolve(easy_getinfo, "curl_easy_getinfo") && lib.resolve(easy_strerror, "curl_easy_strerror") &&
            lib.resolve(slist_append, "curl_slist_append") && lib.resolve(slist_free_all, "curl_slist_free_all") &&
            global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }
  ~Curl() {
    if (loaded) global_cleanup();
  }
  [[nodiscard]] bool ready() const noexcept { return loaded; }
  [[nodiscard]] std::string error() const { return lib.error().empty() ? "curl_global_init failed" : lib.error(); }
  Curl(const Curl&) = delete;
  Curl& operator=(const Curl&) = delete;
};

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

struct Transfer {
  std::FILE* out = nullptr;
  std::size_t written = 0;
  std::size_t max_bytes = 0;
  bool too_big = false;
  std::string etag;
  std::string last_modified;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  if (t->written + len > t->max_bytes) {  // the cap: abort rather than fill the disk
    t->too_big = true;
    return 0;
  }
  if (std::fwrite(data, 1, len, t->out) != len) return 0;
  t->written += len;
  return len;
}

std::string_view trim_value(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  return v;
}

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after a redirect): forget the old one
    t->etag.clear();
    t->last_modified.clear();
  } else if (header_is(line, "etag")) {
    t->etag = trim_value(line.substr(5));
  } else if (header_is(line, "last-modified")) {
    t->last_modified = trim_value(line.substr(14));
  }
  return size * n;
}

void set_options(const Curl& curl, CURL* c, const FetchRequest& r, Transfer& t, curl_slist* headers, char* errbuf) {
  // Named as curl's own function so that curl.h's curl_easy_setopt macro, which checks each
  // option's value type at compile time, still wraps every call (and calls this pointer).
  const auto curl_easy_setopt = curl.easy_setopt;
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded process
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(r.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(r.transfer_timeout.count()));
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate on the wire if offered
  curl_easy_setopt(c, CURLOPT_USERAGENT, "sprout-dns/0.1 (blocklist fetch)");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  if (r.post) curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
  if (r.max_bytes <= static_cast<std::size_t>(INT64_MAX)) {
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_bytes));
  }
}

}  // namespace

bool is_http_url(std::string_view source) noexcept {
  return source.starts_with("http://") || source.starts_with("https://");
}

FetchResult http_fetch(const FetchRequest& r) {
  FetchResult res;
  const std::shared_ptr<const Curl> curl = load_library<Curl>(res.error);
  if (!curl) return res;
  const auto easy_cleanup = [&curl](CURL* c) { curl->easy_cleanup(c); };
  const auto slist_free = [&curl](curl_slist* l) { curl->slist_free_all(l); };
  std::unique_ptr<CURL, decltype(easy_cleanup)> easy(curl->easy_init(), easy_cleanup);
  File out(std::fopen(r.dest_path.c_str(), "wb"));
  if (!easy || !out) {
    res.error = !easy ? "curl_easy_init failed" : "cannot write " + r.dest_path;
    return res;
  }
  std::unique_ptr<curl_slist, decltype(slist_free)> headers(nullptr, slist_free);
  auto add_header = [&](const std::string& h) {
    curl_slist* l = curl->slist_append(headers.get(), h.c_str());
    if (l != nullptr) {
      headers.release();
      headers.reset(l);
    }
  };
  if (!r.etag.empty()) add_header("If-None-Match: " + r.etag);
  if (!r.last_modified.empty()) add_header("If-Modified-Since: " + r.last_modified);
  if (!r.bearer_token.empty()) add_header("Authorization: Bearer " + r.bearer_token);
  Transfer t;
  t.out = out.get();
  t.max_bytes = r.max_bytes;
  char errbuf[CURL_ERROR_SIZE] = {};
  set_options(*curl, easy.get(), r, t, headers.get(), errbuf);
  const CURLcode rc = curl->easy_perform(easy.get());
  curl->easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &res.http_status);
  if (std::fflush(out.get()) != 0 && rc == CURLE_OK) res.error = "write error on " + r.dest_path;
  res.bytes = t.written;
  if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    res.error = "larger than max_bytes (" + std::to_string(r.max_bytes) + ")";
  } else if (rc != CURLE_OK) {
    res.error = errbuf[0] != '\0' ? errbuf : curl->easy_strerror(rc);
  } else if (res.http_status == 304) {
    res.outcome = FetchOutcome::not_modified;
  } else if (res.http_status == 200 && res.error.empty()) {
    res.outcome = FetchOutcome::downloaded;
    res.etag = t.etag;
    res.last_modified = t.last_modified;
  } else if (res.error.empty()) {
    res.error = "HTTP status " + std::to_string(res.http_status);
  }
  return res;
}

}  // namespace sprout::blocklists
