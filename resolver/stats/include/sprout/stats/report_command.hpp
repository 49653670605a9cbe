// `sproutdns report ...` (ad-hoc reports) and PeriodicReports (daily/weekly/monthly files).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "sprout/stats/report.hpp"
#include "sprout/stats/report_render.hpp"

namespace sprout::stats {

// args: what follows `report` on the command line. Returns 0 on success, 1 when the report
// could not be produced (store unreadable, file not written), 2 on a usage error.
int run_report_command(const std::vector<std::string>& args, const StatsOptions& options);
// The same with explicit streams and clock (tests).
int run_report_command(const std::vector<std::string>& args, const StatsOptions& options, std::ostream& out,
                       std::ostream& err, std::int64_t now);
[[nodiscard]] std::string report_usage();

// Writes via a temporary file and rename, so a reader never sees half a report.
Status write_file_atomic(const std::string& path, std::string_view content);

enum class ReportPeriod { daily, weekly, monthly };
[[nodiscard]] std::string_view period_name(ReportPeriod p) noexcept;

struct PeriodicReportConfig {
  std::vector<ReportPeriod> periods;
  std::string directory;
  std::vector<ReportFormat> formats{ReportFormat::html};
  std::vector<Lang> langs{Lang::vi};
  std::vector<ScopeTerm> scope;  // usually empty: the whole instance
};

struct DueReport {
  ReportPeriod period;
  Date from;
  Date to;
  ReportFormat format;
  Lang lang;
  std::string path;  // directory/report-<from>-<period>.<lang>.<ext>
};

class PeriodicReports {
 public:
  PeriodicReports(PeriodicReportConfig config, StatsOptions options);

  // The last complete period of each kind (yesterday, last Monday-Sunday week, last month)
  // whose file does not exist yet.
  [[nodiscard]] std::vector<DueReport> due(std::int64_t now) const;
  // Writes the due reports; files that exist are never rewritten. `written` gets the paths.
  Status run(std::int64_t now, ReportSource& store, std::vector<std::string>* written = nullptr);

 private:
  [[nodiscard]] std::pair<Date, Date> last_complete(ReportPeriod p, const Date& today) const;
  PeriodicReportConfig config_;
  StatsOptions options_;
};

}  // namespace sprout::stats
