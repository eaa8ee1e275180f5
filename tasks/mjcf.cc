#include "tasks/mjcf.h"

#include <sstream>
#include <stdexcept>

namespace wambench {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

namespace mjcf {
namespace {

// Replaces `placeholder` in every attribute of `node` and its descendants.
void substitute(pugi::xml_node node, const std::string& placeholder, const std::string& value) {
  for (pugi::xml_attribute a : node.attributes()) {
    const std::string text = a.value();
    if (text.find(placeholder) != std::string::npos) a.set_value(replace_all(text, placeholder, value).c_str());
  }
  for (pugi::xml_node child : node.children()) substitute(child, placeholder, value);
}

// Appends copies of the elements parsed from `xml` to `parent`.
void append_parsed(pugi::xml_node parent, const std::string& xml, const std::string& placeholder,
                   const std::string& value) {
  pugi::xml_document parsed;
  const pugi::xml_parse_result r =
      parsed.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_fragment);
  if (!r) {
    throw std::invalid_argument(std::string("MJCF fragment is not well-formed XML: ") + r.description() +
                                " at offset " + std::to_string(r.offset) + " of \"" + xml + "\"");
  }
  for (pugi::xml_node child : parsed.children()) {
    if (child.type() != pugi::node_element) continue;
    pugi::xml_node copy = parent.append_copy(child);
    if (!placeholder.empty()) substitute(copy, placeholder, value);
  }
}

}  // namespace

std::string format_number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

std::string format_numbers(std::initializer_list<double> xs) {
  std::string s;
  for (double x : xs) s += (s.empty() ? "" : " ") + format_number(x);
  return s;
}

Element Element::add(const std::string& tag) { return Element(node_.append_child(tag.c_str())); }

Element& Element::set(const std::string& name, const std::string& value) {
  pugi::xml_attribute a = node_.attribute(name.c_str());
  if (!a) a = node_.append_attribute(name.c_str());
  a.set_value(value.c_str());
  return *this;
}

Element& Element::set(const std::string& name, const char* value) { return set(name, std::string(value)); }

Element& Element::set(const std::string& name, double value) { return set(name, format_number(value)); }

Element& Element::set(const std::string& name, int value) { return set(name, std::to_string(value)); }

Element& Element::set(const std::string& name, std::initializer_list<double> values) {
  return set(name, format_numbers(values));
}

Element& Element::append_xml(const std::string& xml, const std::string& placeholder, const std::string& value) {
  append_parsed(node_, xml, placeholder, value);
  return *this;
}

void Fragment::append_xml(const std::string& xml, const std::string& placeholder, const std::string& value) {
  append_parsed(doc_, xml, placeholder, value);
}

void Fragment::append(const Fragment& other) {
  for (pugi::xml_node child : other.doc_.children()) doc_.append_copy(child);
}

void Fragment::copy_into(Element parent) const {
  for (pugi::xml_node child : doc_.children()) parent.node().append_copy(child);
}

Document::Document(const std::string& model_name) {
  doc_.append_child("mujoco").append_attribute("model").set_value(model_name.c_str());
}

std::string Document::str() const {
  std::ostringstream s;
  doc_.save(s, "  ", pugi::format_default | pugi::format_no_declaration);
  return s.str();
}

}  // namespace mjcf
}  // namespace wambench
