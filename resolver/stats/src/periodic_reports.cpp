// PeriodicReports: which daily/weekly/monthly reports are due, written once each.
#include <filesystem>

#include "sprout/stats/report_command.hpp"

namespace sprout::stats {

std::string_view period_name(ReportPeriod p) noexcept {
  switch (p) {
    case ReportPeriod::daily: return "daily";
    case ReportPeriod::weekly: return "weekly";
    case ReportPeriod::monthly: return "monthly";
  }
  return "?";
}

PeriodicReports::PeriodicReports(PeriodicReportConfig config, StatsOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

std::pair<Date, Date> PeriodicReports::last_complete(ReportPeriod p, const Date& today) const {
  switch (p) {
    case ReportPeriod::daily: return {today.plus_days(-1), today.plus_days(-1)};
    case ReportPeriod::weekly: {
      const Date this_monday = today.plus_days(-today.weekday());
      return {this_monday.plus_days(-7), this_monday.plus_days(-1)};
    }
    case ReportPeriod::monthly: {
      const Date last_day = Date{today.year, today.month, 1}.plus_days(-1);
      return {Date{last_day.year, last_day.month, 1}, last_day};
    }
  }
  return {today, today};
}

std::vector<DueReport> PeriodicReports::due(std::int64_t now) const {
  std::vector<DueReport> out;
  const Date today = Date::from_unix(now, options_.utc_offset_minutes);
  for (auto period : config_.periods) {
    const auto [from, to] = last_complete(period, today);
    for (auto format : config_.formats)
      for (auto lang : config_.langs) {
        const std::string name = "report-" + from.to_string() + "-" + std::string(period_name(period)) + "." +
                                 std::string(lang_code(lang)) + "." + std::string(format_extension(format));
        const auto path = (std::filesystem::path(config_.directory) / name).string();
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) continue;  // idempotent: never rewritten
        out.push_back(DueReport{period, from, to, format, lang, path});
      }
  }
  return out;
}

Status PeriodicReports::run(std::int64_t now, ReportSource& store, std::vector<std::string>* written) try {
  const auto reports = due(now);
  if (reports.empty()) return Status::success();
  std::error_code ec;
  std::filesystem::create_directories(config_.directory, ec);
  if (ec) return Status::failure("report directory '" + config_.directory + "': " + ec.message());
  std::string errors;
  for (const auto& r : reports) {
    ReportData data;
    Status s = build_report(store, ReportQuery{r.from, r.to, config_.scope}, now, data);
    if (s) s = write_file_atomic(r.path, render(data, r.format, r.lang));
    if (!s) {
      errors += (errors.empty() ? "" : "; ") + r.path + ": " + s.error;
      continue;
    }
    if (written != nullptr) written->push_back(r.path);
  }
  return errors.empty() ? Status::success() : Status::failure(errors);
} catch (const std::exception& e) {
  return Status::failure(std::string("periodic reports: ") + e.what());
}

}  // namespace sprout::stats
