// LineReader: streams lines out of a list file (gzip-compressed or plain, via zlib) or
// out of a string, without keeping the whole file in memory.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace sprout::blocklists {

class LineReader {
 public:
  // Opens `path`; gzip content (any name; magic bytes decide) is inflated transparently.
  // On failure returns a reader whose failed() is true and error() says why.
  static LineReader open_file(const std::string& path);
  static LineReader from_text(std::string_view text);  // `text` must outlive the reader

  LineReader(LineReader&&) noexcept;
  LineReader& operator=(LineReader&&) noexcept;
  ~LineReader();

  // Next line without its '\n' (and '\r'); false at the end or on a read error. The view
  // stays valid until the next call.
  bool next(std::string_view& line);
  [[nodiscard]] std::size_t line_number() const noexcept { return line_no_; }

  // Up to `bytes` of content ahead of the current position (for format detection);
  // does not consume.
  std::string_view peek(std::size_t bytes);

  // Caps the (decompressed) content: past it reading stops with an error, so a small
  // gzip bomb cannot turn into gigabytes of lines.
  void set_max_bytes(std::size_t bytes) noexcept { max_bytes_ = bytes; }

  [[nodiscard]] bool failed() const noexcept { return !error_.empty(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  struct GzCloser {
    void operator()(void* f) const noexcept;
  };
  LineReader() = default;
  bool fill();  // appends more input to buf_; false when nothing more

  std::unique_ptr<void, GzCloser> gz_;
  std::string buf_;
  std::size_t begin_ = 0;  // unread part of buf_ is [begin_, buf_.size())
  std::string_view text_;  // from_text mode
  bool text_mode_ = false;
  bool eof_ = false;
  std::size_t line_no_ = 0;
  std::size_t total_ = 0;  // content bytes read so far
  std::size_t max_bytes_ = static_cast<std::size_t>(-1);
  std::string error_;
};

}  // namespace sprout::blocklists
