// Renders the bilingual block page. Every value from the request or the config is HTML-escaped here.
#include "sprout/admin/block_page.hpp"

#include <tuple>

#include "sprout/admin/http_util.hpp"

namespace sprout::admin {
namespace {

struct CategoryLabel {
  std::string_view key;
  std::string_view vi;
  std::string_view en;
};

// Words a child understands for the usual categories; other names are shown as configured.
constexpr CategoryLabel kCategoryLabels[] = {
    {"adult", "Nội dung người lớn", "Adult content"},
    {"gambling", "Cờ bạc", "Gambling"},
    {"violence", "Bạo lực", "Violence"},
    {"drugs", "Ma túy", "Drugs"},
    {"dating", "Hẹn hò", "Dating"},
    {"social", "Mạng xã hội", "Social media"},
    {"games", "Trò chơi trực tuyến", "Online games"},
    {"malware", "Phần mềm độc hại", "Malware"},
    {"phishing", "Lừa đảo trực tuyến", "Phishing"},
    {"bypass", "Công cụ vượt bộ lọc (VPN, proxy)", "Filter bypass (VPN, proxy)"},
};

std::pair<std::string, std::string> category_labels(std::string_view category) {
  for (const auto& c : kCategoryLabels) {
    if (c.key == category) return {std::string(c.vi), std::string(c.en)};
  }
  const std::string shown = html_escape(truncate_utf8(category, 64));
  return {shown, shown};
}

constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Trang web đã bị chặn · Site blocked</title>
<style>
body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;background:#f3f7f2;color:#1f2d1f;margin:0;padding:2rem 1rem;line-height:1.5}
main{max-width:36rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;box-shadow:0 2px 8px rgba(0,0,0,.08)}
h1{font-size:1.4rem;color:#2f6b2f;margin:.2rem 0 .8rem}
h2{font-size:1.1rem;color:#2f6b2f;margin:1.2rem 0 .5rem}
.host{font-family:ui-monospace,Menlo,Consolas,monospace;background:#eef3ee;padding:.1rem .35rem;border-radius:4px;word-break:break-all}
hr{border:0;border-top:1px solid #dde7dd;margin:1.4rem 0}
small{color:#5b6b5b}
</style>
</head>
<body>
<main>
)";

std::string network_phrase_vi(const std::string& network) {
  return network.empty() ? std::string(".") : " theo chính sách của mạng <strong>" + network + "</strong>.";
}

std::string network_phrase_en(const std::string& network) {
  return network.empty() ? std::string(".") : " by the policy of the network <strong>" + network + "</strong>.";
}

}  // namespace

std::string display_host(std::string_view host_header) {
  std::string_view host = host_header;
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    if (const auto close = host.find(']'); close != std::string_view::npos) host = host.substr(0, close + 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(':') == colon) {
    host = host.substr(0, colon);  // name:port (a bare v6 address has several colons; keep it)
  }
  std::string clean;
  for (const char c : host) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) clean += c;
  }
  return truncate_utf8(clean, kMaxShownHostBytes);
}

std::string render_block_page(std::string_view host_header, const BlockInfo& info) {
  std::string host = html_escape(display_host(host_header));
  if (host.empty()) host = "?";
  const std::string network = html_escape(truncate_utf8(info.network, 128));
  // The profile that decided: the device's when the visitor's device is known, else the
  // network's, so a child sees the rules that apply to their own tablet.
  const std::string profile = html_escape(truncate_utf8(info.profile, 128));
  std::string page(kHead);
  page += "<section lang=\"vi\">\n<h1>Trang web này đã bị chặn</h1>\n";
  page += "<p>Trang <span class=\"host\">" + host + "</span> đã bị chặn" + network_phrase_vi(network) + "</p>\n";
  std::string category_vi, category_en;
  if (!info.category.empty()) std::tie(category_vi, category_en) = category_labels(info.category);
  if (!category_vi.empty()) page += "<p>Danh mục: <strong>" + category_vi + "</strong></p>\n";
  if (!profile.empty()) page += "<p>Hồ sơ lọc: <strong>" + profile + "</strong></p>\n";
  page +=
      "<p>Nếu bạn cần trang này cho việc học, hãy hỏi thầy cô giáo hoặc cha mẹ. "
      "Nếu bạn nghĩ trang bị chặn nhầm, hãy báo để người lớn kiểm tra.</p>\n</section>\n<hr>\n";
  page += "<section lang=\"en\">\n<h2>This site has been blocked</h2>\n";
  page += "<p><span class=\"host\">" + host + "</span> was blocked" + network_phrase_en(network) + "</p>\n";
  if (!category_en.empty()) page += "<p>Category: <strong>" + category_en + "</strong></p>\n";
  if (!profile.empty()) page += "<p>Filtering profile: <strong>" + profile + "</strong></p>\n";
  page +=
      "<p>If you need this site for schoolwork, ask a teacher or a parent. "
      "If you think it was blocked by mistake, tell them so they can check.</p>\n</section>\n";
  page += "<hr>\n<small>Sprout DNS</small>\n</main>\n</body>\n</html>\n";
  return page;
}

}  // namespace sprout::admin
