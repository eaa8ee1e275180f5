// A small MJCF document builder over pugixml: elements, attributes with numbers formatted one way,
// fragments (lists of sibling elements) composed into one <mujoco> document. Task scenes are
// built with it (Task::scene(), compose_scene()); MuJoCo compiles the text that Document::str()
// returns.
#pragma once

#include <initializer_list>
#include <string>

#include <pugixml.hpp>

namespace wambench {

/// `s` with every occurrence of `from` replaced by `to`, scanning left to right; replaced text is
/// not searched again. An empty `from` returns `s` unchanged. Fills placeholders in MJCF fragments
/// ("{B}": the body name) and in instruction templates.
std::string replace_all(std::string s, const std::string& from, const std::string& to);

namespace mjcf {

/// MJCF text of a number: std::ostream's default formatting (6 significant digits, "%g" style:
/// 0.5 -> "0.5", -3.0 -> "-3", 1e-07 -> "1e-07"). Every number the builder writes goes through it,
/// so a scene compiles to the same mjModel as one written with `std::ostream << double`.
std::string format_number(double x);

/// Numbers separated by single spaces, each formatted by format_number ({0, 0, 0.5} -> "0 0 0.5").
std::string format_numbers(std::initializer_list<double> xs);

/// One XML element of a document or fragment (a view: the Fragment or Document owns it). Valid
/// while its owner lives.
class Element {
 public:
  explicit Element(pugi::xml_node node) : node_(node) {}

  /// Appends a child element named `tag` and returns it.
  Element add(const std::string& tag);

  /// Sets attribute `name` (replacing an earlier value) to text, a number (format_number), an
  /// integer (decimal) or a space-separated list of numbers (format_numbers). Returns *this.
  Element& set(const std::string& name, const std::string& value);
  Element& set(const std::string& name, const char* value);
  Element& set(const std::string& name, double value);
  Element& set(const std::string& name, int value);
  Element& set(const std::string& name, std::initializer_list<double> values);

  /// Parses `xml`, zero or more sibling elements written as MJCF text (a catalogue entry's geoms),
  /// and appends copies of them as children. In every attribute value of the copies, `placeholder`
  /// (when not empty) is replaced by `value` (e.g. "{B}" by the body name).
  /// @throws std::invalid_argument if `xml` is not well-formed, with pugixml's description and offset.
  Element& append_xml(const std::string& xml, const std::string& placeholder = "", const std::string& value = "");

  /// The underlying pugixml node.
  pugi::xml_node node() const { return node_; }

 private:
  pugi::xml_node node_;
};

/// An ordered list of sibling elements that is not yet part of a document (e.g. the children of
/// <worldbody> a task contributes). Copyable; copies are deep.
class Fragment {
 public:
  Fragment() = default;
  Fragment(const Fragment& other) { doc_.reset(other.doc_); }
  Fragment& operator=(const Fragment& other) {
    if (this != &other) doc_.reset(other.doc_);
    return *this;
  }
  Fragment(Fragment&&) = default;
  Fragment& operator=(Fragment&&) = default;

  /// The fragment's top level as an element: children added to it are the fragment's elements.
  Element root() { return Element(doc_); }
  /// Appends a top-level element named `tag` and returns it.
  Element add(const std::string& tag) { return root().add(tag); }
  /// Appends the elements of `xml` (see Element::append_xml). @throws std::invalid_argument as there.
  void append_xml(const std::string& xml, const std::string& placeholder = "", const std::string& value = "");
  /// Appends deep copies of the elements of `other`.
  void append(const Fragment& other);
  /// True if the fragment holds no element.
  bool empty() const { return !doc_.first_child(); }
  /// Appends deep copies of this fragment's elements as children of `parent`.
  void copy_into(Element parent) const;

 private:
  pugi::xml_document doc_;
};

/// A whole MJCF document, <mujoco model="name"> and its children.
class Document {
 public:
  /// An empty <mujoco model="`model_name`"> element.
  explicit Document(const std::string& model_name);
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  /// The <mujoco> element.
  Element root() { return Element(doc_.document_element()); }
  /// Appends a child of <mujoco> named `tag` and returns it.
  Element add(const std::string& tag) { return root().add(tag); }
  /// The document as MJCF text (two-space indentation, no XML declaration).
  std::string str() const;

 private:
  pugi::xml_document doc_;
};

}  // namespace mjcf
}  // namespace wambench
