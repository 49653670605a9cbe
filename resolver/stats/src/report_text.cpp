// Report wording (en, vi), count suppression, local times and CSV cells.
#include "report_text.hpp"

#include <chrono>
#include <cstdio>

namespace sprout::stats::detail {
namespace {

namespace chr = std::chrono;

constexpr Texts kEnglish{
    "Sprout DNS filtering report", "Period", "Generated", "Scope", "All networks", "Summary",
    "Coverage", "Networks", "Days in period", "Days with data", "Blocklist freshness",
    "List", "Category", "Entries", "Last refresh", "State", "never",
    "Queries by action", "Action", "Count", "Total",
    "Blocked queries by category per day", "Blocked queries per day (trend)", "Blocked queries by category", "Day",
    "Top blocked domains by category", "Domain",
    "Not available for a scoped report: blocked domains are recorded for the whole instance, not per network.",
    "No data",
    "Bypass attempts blocked", "SafeSearch enforcements", "Per-network breakdown", "Network", "Labels",
    "Privacy rules applied",
    "Every count below {N} is shown as \"<{N}\".",
    "Counts below {N} are drawn as zero in the charts.",
    "Domains blocked fewer than {N} times in the period are not listed.",
    "Only aggregates are stored and reported: query counts per minute by network, category and action, "
    "and blocked domains per day.",
    "No client address, device or person is recorded or shown in this report.",
    "(none)",
    "Instances reporting", "Instance", "Minutes reported", "Last reported"};

constexpr Texts kVietnamese{
    "Báo cáo lọc DNS Sprout", "Kỳ báo cáo", "Thời điểm lập", "Phạm vi", "Tất cả các mạng", "Tóm tắt",
    "Mức độ bao phủ dữ liệu", "Mạng", "Số ngày trong kỳ", "Số ngày có dữ liệu", "Tình trạng cập nhật danh sách chặn",
    "Danh sách", "Danh mục", "Số mục", "Cập nhật lần cuối", "Trạng thái", "chưa bao giờ",
    "Số truy vấn theo hành động", "Hành động", "Số lượng", "Tổng",
    "Truy vấn bị chặn theo danh mục từng ngày", "Truy vấn bị chặn theo ngày (xu hướng)",
    "Truy vấn bị chặn theo danh mục", "Ngày",
    "Các tên miền bị chặn nhiều nhất theo danh mục", "Tên miền",
    "Không có trong báo cáo theo phạm vi: tên miền bị chặn được ghi nhận cho toàn hệ thống, không theo từng mạng.",
    "Không có dữ liệu",
    "Số lần chặn hành vi vượt bộ lọc", "Số lần áp dụng Tìm kiếm an toàn", "Chi tiết theo từng mạng", "Mạng", "Nhãn",
    "Nguyên tắc bảo vệ quyền riêng tư đã áp dụng",
    "Mọi số đếm nhỏ hơn {N} được hiển thị là \"<{N}\".",
    "Các số đếm nhỏ hơn {N} được vẽ bằng 0 trên biểu đồ.",
    "Tên miền bị chặn ít hơn {N} lần trong kỳ không được liệt kê.",
    "Chỉ lưu và báo cáo số liệu tổng hợp: số truy vấn theo phút theo mạng, danh mục và hành động, "
    "và tên miền bị chặn theo ngày.",
    "Báo cáo này không ghi nhận và không hiển thị địa chỉ máy khách, thiết bị hay cá nhân nào.",
    "(không có)",
    "Các máy chủ gửi số liệu", "Máy chủ", "Số phút có số liệu", "Lần gửi cuối"};

}  // namespace

const Texts& texts(Lang lang) noexcept { return lang == Lang::vi ? kVietnamese : kEnglish; }

std::string_view action_label(std::string_view a, Lang lang) noexcept {
  const bool vi = lang == Lang::vi;
  if (a == "allowed") return vi ? "Cho phép" : "Allowed";
  if (a == "blocked") return vi ? "Bị chặn" : "Blocked";
  if (a == "safesearch") return vi ? "Áp dụng Tìm kiếm an toàn" : "SafeSearch enforced";
  if (a == "bypass-blocked") return vi ? "Chặn vượt bộ lọc" : "Bypass blocked";
  if (a == "refused") return vi ? "Từ chối" : "Refused";
  if (a == "servfail") return vi ? "Lỗi máy chủ" : "Server failure";
  if (a == "paused") return vi ? "Cho qua khi tạm dừng lọc" : "Let through by a pause";
  return a;
}

std::string_view list_state_label(ListState s, Lang lang) noexcept {
  const bool vi = lang == Lang::vi;
  switch (s) {
    case ListState::ok: return vi ? "bình thường" : "ok";
    case ListState::stale: return vi ? "đã cũ" : "stale";
    case ListState::failed: return vi ? "lỗi tải" : "failed";
    case ListState::never_loaded: return vi ? "chưa tải" : "never loaded";
  }
  return "?";
}

std::string with_threshold(std::string_view text, int threshold) {
  std::string out;
  const std::string n = std::to_string(threshold);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "{N}") {
      out += n;
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

namespace {

// A unix time as local calendar parts, with days starting at `offset` minutes from UTC.
struct LocalParts {
  chr::year_month_day date;
  chr::hh_mm_ss<chr::seconds> time;
};

LocalParts local_parts(std::int64_t t, int offset) {
  const chr::sys_seconds local{chr::seconds{t + std::int64_t{offset} * 60}};
  const chr::sys_days day = chr::floor<chr::days>(local);
  return {chr::year_month_day{day}, chr::hh_mm_ss<chr::seconds>{local - day}};
}

// "+07:00", "-05:30".
std::string offset_text(int offset) {
  const int abs_off = offset < 0 ? -offset : offset;
  char buf[16];  // room for any int, so the compiler can see nothing is cut
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+', abs_off / 60, abs_off % 60);
  return buf;
}

}  // namespace

std::string format_time(std::int64_t t, int offset) {
  const LocalParts p = local_parts(t, offset);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(p.date.year()),
                static_cast<unsigned>(p.date.month()), static_cast<unsigned>(p.date.day()),
                static_cast<int>(p.time.hours().count()), static_cast<int>(p.time.minutes().count()));
  return buf + offset_text(offset);
}

std::string format_iso_time(std::int64_t t, int offset) {
  const LocalParts p = local_parts(t, offset);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(p.date.year()),
                static_cast<unsigned>(p.date.month()), static_cast<unsigned>(p.date.day()),
                static_cast<int>(p.time.hours().count()), static_cast<int>(p.time.minutes().count()),
                static_cast<int>(p.time.seconds().count()));
  return buf + offset_text(offset);
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ", ") + k + "=" + v;
  return out;
}

std::string scope_text(const ReportData& data, Lang lang) {
  if (data.query.scope.empty()) return std::string(texts(lang).all_networks);
  std::string out;
  for (const auto& [k, v] : data.query.scope) out += (out.empty() ? "" : ", ") + k + "=" + v;
  return out;
}

std::string category_label(std::string_view category, Lang lang) {
  return category.empty() ? std::string(texts(lang).no_category) : std::string(category);
}

std::string csv_cell(std::string_view s) {
  std::string v(s);
  // A cell starting with = + - @ is a formula in spreadsheets: neutralise it (labels are admin text).
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(0, "'");
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace sprout::stats::detail

namespace sprout::stats {

bool is_suppressed(std::uint64_t count, int threshold) noexcept {
  return threshold > 0 && count < static_cast<std::uint64_t>(threshold);
}

std::string format_count(std::uint64_t count, int threshold) {
  return is_suppressed(count, threshold) ? "<" + std::to_string(threshold) : std::to_string(count);
}

std::optional<Lang> parse_lang(std::string_view t) {
  if (t == "en") return Lang::en;
  if (t == "vi") return Lang::vi;
  return std::nullopt;
}

std::optional<ReportFormat> parse_format(std::string_view t) {
  if (t == "html") return ReportFormat::html;
  if (t == "csv") return ReportFormat::csv;
  if (t == "json") return ReportFormat::json;
  return std::nullopt;
}

std::string_view lang_code(Lang lang) noexcept { return lang == Lang::vi ? "vi" : "en"; }

std::string_view format_extension(ReportFormat f) noexcept {
  switch (f) {
    case ReportFormat::html: return "html";
    case ReportFormat::csv: return "csv";
    case ReportFormat::json: return "json";
  }
  return "txt";
}

std::string render(const ReportData& data, ReportFormat format, Lang lang) {
  switch (format) {
    case ReportFormat::html: return render_html(data, lang);
    case ReportFormat::csv: return render_csv(data, lang);
    case ReportFormat::json: return render_json(data, lang);
  }
  return {};
}

}  // namespace sprout::stats
