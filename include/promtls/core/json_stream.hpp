// A streaming reader for one JSON value (a Kubernetes List as `kubectl get ... -o json` prints
// it): the first "items" array of the top-level mapping is handed over one item at a time, each
// built into the same tree that parse_documents() builds without positions (documents.hpp), and
// freed by the reader's caller; everything else of the top level is kept in one tree. Memory is
// bounded by the largest item (and by the refill buffer), not by the input.
//
// The input is pulled through a function, so this performs no I/O of its own. Reentrant; one
// call reads one input on the calling thread. Never throws for bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "promtls/core/documents.hpp"

namespace promtls::core {

// Fills up to `capacity` bytes of `buffer` with the next input; returns how many, 0 at the end
// of the input (a reader that fails records why itself, then returns 0).
using JsonInput = std::function<std::size_t(char* buffer, std::size_t capacity)>;

struct JsonStreamOptions {
  std::size_t buffer_bytes = std::size_t{1} << 20;  // read this much at a time
  // An item longer than this (in input bytes) is not built: JsonStreamEvents::oversized. The
  // top level without its items is bounded by the same limit, and any one string or number by
  // this or 64 MiB, whichever is more (JsonStreamResult::too_large: the parser holds a token
  // whole, so one over the bound ends the stream).
  std::uint64_t max_item_bytes = UINT64_MAX;
  // stream_yaml(): how many lines of a larger stream come before the input (a document of it):
  // positions count from there, as parse_documents() gives them.
  std::size_t first_line = 0;
};

struct JsonStreamEvents {
  // Each item of the top-level mapping's first "items" array, in order, counted from 0. The node
  // is the reader's; the callback may move from it. The callback must not throw.
  std::function<void(std::size_t index, Node& item)> item;
  // An item longer than max_item_bytes, skipped; `bytes` is at least its length.
  std::function<void(std::size_t index, std::uint64_t bytes)> oversized;
  // Optional: asked for each string value two levels into an item ({"data": {"key": "text"}}:
  // `field` "data", `key` "key") that has no escapes and only printable ASCII, before it is
  // parsed. True: the value is handed over as "" (no reader needs it: Helm release records,
  // values that cannot hold a certificate), and is never copied or checked further; positions
  // reported later on the same line may then be off. Must not throw.
  std::function<bool(std::string_view field, std::string_view key, std::string_view text)> drop;
};

struct JsonStreamResult {
  // The top-level value, without its first "items" array when that was streamed; a null node
  // when the input broke off before the value was complete.
  Node top;
  bool streamed_items = false;  // the top level is a mapping whose first "items" is an array
  std::size_t items = 0;        // items handed over or skipped before the end (or the error)
  // Malformed JSON: where and why (describe() renders "line 3, column 5: ..."), never with the
  // input's text (a Secret value may be what is malformed). Items before it were handed over.
  std::optional<SyntaxError> error;
  // The error is that a single value, or the top level outside its items, is longer than
  // max_item_bytes.
  bool too_large = false;
  // stream_yaml() only: the error is that a second document began ("---").
  bool several_documents = false;
};

// Reads one JSON value from `input` (RFC 8259, with nothing but whitespace after it).
JsonStreamResult stream_json(const JsonInput& input, const JsonStreamEvents& events,
                             const JsonStreamOptions& options = {});

// The same for YAML (`kubectl get ... -o yaml`), with libyaml (documents.cpp): one document,
// whose top-level mapping's first "items" sequence is handed over an item at a time, with
// positions (absolute lines and columns, as parse_documents() gives them); `top` keeps the
// streamed "items" as an empty sequence. Lengths are counted
// in characters, as libyaml's marks count them. An alias in an item refers only to anchors of
// that item. A second document ends the stream with an error and `several_documents` (the
// whole-stream reader handles those).
JsonStreamResult stream_yaml(const JsonInput& input, const JsonStreamEvents& events,
                             const JsonStreamOptions& options = {});

}  // namespace promtls::core
