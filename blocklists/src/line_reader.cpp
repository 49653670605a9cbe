// LineReader (see line_reader.hpp).
#include "sprout/blocklists/line_reader.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace sprout::blocklists {
namespace {
constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kMaxLine = 16 * 1024 * 1024;  // a longer "line" is not a list
}  // namespace

void LineReader::GzCloser::operator()(void* f) const noexcept {
  gzclose(static_cast<gzFile>(f));
}

LineReader::LineReader(LineReader&&) noexcept = default;
LineReader& LineReader::operator=(LineReader&&) noexcept = default;
LineReader::~LineReader() = default;

LineReader LineReader::open_file(const std::string& path) {
  LineReader r;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    r.error_ = "cannot open " + path + ": " + std::strerror(errno);
    r.eof_ = true;
    return r;
  }
  gzbuffer(f, 128 * 1024);
  r.gz_.reset(f);
  return r;
}

LineReader LineReader::from_text(std::string_view text) {
  LineReader r;
  r.text_ = text;
  r.text_mode_ = true;
  r.eof_ = true;
  return r;
}

bool LineReader::fill() {
  if (eof_ || !gz_) return false;
  if (begin_ > 0) {  // drop consumed bytes before appending
    buf_.erase(0, begin_);
    begin_ = 0;
  }
  const std::size_t old = buf_.size();
  buf_.resize(old + kChunk);
  const int n = gzread(static_cast<gzFile>(gz_.get()), buf_.data() + old, kChunk);
  if (n < 0) {
    int code = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_.get()), &code);
    error_ = std::string("read error: ") + (msg != nullptr ? msg : "unknown");
    buf_.resize(old);
    eof_ = true;
    return false;
  }
  buf_.resize(old + static_cast<std::size_t>(n));
  total_ += static_cast<std::size_t>(n);
  if (total_ > max_bytes_) {
    error_ = "content larger than " + std::to_string(max_bytes_) + " bytes";
    eof_ = true;
    return false;
  }
  if (n == 0) {
    eof_ = true;
    int code = Z_OK;
    const char* msg = gzerror(static_cast<gzFile>(gz_.get()), &code);
    if (code != Z_OK && code != Z_STREAM_END) {  // e.g. a truncated download
      error_ = std::string("read error: ") + (msg != nullptr ? msg : "unknown");
    }
  }
  return n > 0;
}

std::string_view LineReader::peek(std::size_t bytes) {
  if (text_mode_) return text_.substr(0, bytes);
  while (buf_.size() - begin_ < bytes && fill()) {
  }
  return std::string_view(buf_).substr(begin_, bytes);
}

bool LineReader::next(std::string_view& line) {
  std::string_view* src = nullptr;
  std::string_view view;
  if (text_mode_) {
    if (text_.empty()) return false;
    src = &text_;
  } else {
    std::size_t scanned = begin_;
    while (true) {
      const std::size_t nl = buf_.find('\n', scanned);
      if (nl != std::string::npos) break;
      scanned = buf_.size();
      if (buf_.size() - begin_ > kMaxLine) {
        error_ = "line " + std::to_string(line_no_ + 1) + " longer than 16 MiB";
        return false;
      }
      const std::size_t consumed = begin_;
      if (!fill()) break;
      scanned -= consumed;  // fill() moved the unread bytes to the front
    }
    if (begin_ >= buf_.size()) return false;
    view = std::string_view(buf_).substr(begin_);
    src = &view;
  }
  const std::size_t nl = src->find('\n');
  line = src->substr(0, nl);
  const std::size_t advance = nl == std::string_view::npos ? src->size() : nl + 1;
  if (text_mode_) {
    text_.remove_prefix(advance);
  } else {
    begin_ += advance;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++line_no_;
  return true;
}

}  // namespace sprout::blocklists
