// Internal: the Beast HTTP message types the admin servers answer with (no sockets: fuzzable with clang).
#pragma once

#include <utility>  // before any Boost header that may pull Asio in: Boost 1.74 bug

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace sprout::admin::detail {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Boost 1.74's Beast has its own string_view; these convert at the boundary.
[[nodiscard]] inline std::string_view to_std(boost::beast::string_view s) noexcept { return {s.data(), s.size()}; }
[[nodiscard]] inline boost::beast::string_view to_beast(std::string_view s) noexcept { return {s.data(), s.size()}; }

// Every response carries these: a type, no caching, no MIME sniffing.
[[nodiscard]] Response make_response(http::status status, unsigned version, std::string_view content_type,
                                     std::string body);

}  // namespace sprout::admin::detail
