// The report command line: parsing, clear usage errors, rendering to a file.
#include "sprout/stats/report_command.hpp"

#include "sprout/stats/central_store.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

namespace sprout::stats {
namespace {

struct ReportArgs {
  ReportQuery query;
  ReportFormat format = ReportFormat::html;
  Lang lang = Lang::en;
  std::string db_path;
  std::string pg_conninfo;
  std::string output;
  bool help = false;
};

// Returns an error text, or "" when the arguments are complete and valid.
std::string parse_args(const std::vector<std::string>& args, ReportArgs& out) {
  bool have_from = false, have_to = false, have_format = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out.help = true;
      return "";
    }
    if (a != "--from" && a != "--to" && a != "--scope" && a != "--format" && a != "--lang" && a != "--db" &&
        a != "--pg" && a != "-o")
      return "unknown argument '" + a + "'";
    if (i + 1 >= args.size()) return a + " needs a value";
    const std::string& v = args[++i];
    if (a == "--from" || a == "--to") {
      auto d = Date::parse(v);
      if (!d) return a + " '" + v + "' is not a date YYYY-MM-DD";
      (a == "--from" ? out.query.from : out.query.to) = *d;
      (a == "--from" ? have_from : have_to) = true;
    } else if (a == "--scope") {
      auto term = parse_scope_term(v);
      if (!term) return "--scope '" + v + "' is not label=value (e.g. district=Q1, network=classroom)";
      out.query.scope.push_back(*term);
    } else if (a == "--format") {
      auto f = parse_format(v);
      if (!f) return "--format '" + v + "' is not one of html, csv, json";
      out.format = *f;
      have_format = true;
    } else if (a == "--lang") {
      auto l = parse_lang(v);
      if (!l) return "--lang '" + v + "' is not one of vi, en";
      out.lang = *l;
    } else if (a == "--pg") {
      out.pg_conninfo = v;
    } else {
      (a == "--db" ? out.db_path : out.output) = v;
    }
  }
  if (!have_from) return "--from is required";
  if (!have_to) return "--to is required";
  if (!have_format) return "--format is required";
  if (out.output.empty()) return "-o FILE is required (- for standard output)";
  if (out.query.to < out.query.from) return "--from " + out.query.from.to_string() + " is after --to " + out.query.to.to_string();
  return "";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string report_usage() {
  return "usage: sproutdns report --from YYYY-MM-DD --to YYYY-MM-DD [--scope label=value ...]\n"
         "                        --format html|csv|json [--lang vi|en] [--db PATH | --pg CONNINFO] -o FILE\n"
         "  --scope   keep networks whose labels match (all terms); network=NAME picks one network\n"
         "  --lang    language of headings and labels (default en)\n"
         "  --db      stats database (default: the configured one)\n"
         "  --pg      PostgreSQL conninfo: report across instances (default: stats.postgresql when\n"
         "            stats.backend is postgresql); scopes also match instance=NAME and its labels\n"
         "  -o        output file, - for standard output\n";
}

Status write_file_atomic(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::failure("cannot write '" + tmp + "'");
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f.flush()) return Status::failure("cannot write '" + tmp + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::failure("cannot write '" + path + "'");
  }
  return Status::success();
}

int run_report_command(const std::vector<std::string>& args, const StatsOptions& options) {
  return run_report_command(args, options, std::cout, std::cerr, unix_now());
}

int run_report_command(const std::vector<std::string>& args, const StatsOptions& options, std::ostream& out,
                       std::ostream& err, std::int64_t now) try {
  ReportArgs parsed;
  if (const std::string problem = parse_args(args, parsed); !problem.empty()) {
    err << "sproutdns report: " << problem << "\n" << report_usage();
    return 2;
  }
  if (parsed.help) {
    out << report_usage();
    return 0;
  }
  StatsOptions opt = options;
  if (!parsed.db_path.empty()) {
    opt.db_path = parsed.db_path;
    opt.pg_conninfo.clear();
  }
  if (!parsed.pg_conninfo.empty()) opt.pg_conninfo = parsed.pg_conninfo;
  ReportData data;
  Status s;
  if (!opt.pg_conninfo.empty()) {
    CentralStore central(opt);
    s = central.open_reader();
    if (s) s = build_report(central, parsed.query, now, data);
  } else {
    StatsStore store(opt);
    s = store.open_read_only();
    if (s) s = build_report(store, parsed.query, now, data);
  }
  if (!s) {
    err << "sproutdns report: " << s.error << "\n";
    return 1;
  }
  const std::string text = render(data, parsed.format, parsed.lang);
  if (parsed.output == "-") {
    out << text;
    return 0;
  }
  if (s = write_file_atomic(parsed.output, text); !s) {
    err << "sproutdns report: " << s.error << "\n";
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  err << "sproutdns report: " << e.what() << "\n";
  return 1;
}

}  // namespace sprout::stats
