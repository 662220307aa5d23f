#!/usr/bin/python3
"""Checks promtls validate CI outputs with real parsers (used by tests/cli).

  check_ci_output.py junit FILE EXPECTED_TESTCASES EXPECTED_FAILURES
      parses FILE with lxml (well-formed XML), checks the JUnit structure
      (testsuites > testsuite > testcase, counts, failure attributes) and prints the
      testcase names.
  check_ci_output.py sarif FILE SCHEMA
      validates FILE against the JSON Schema SCHEMA (python3-jsonschema, draft 7, with
      format checks) and checks that every result's ruleIndex points at its rule.
Exit status 0 when the output is good, 1 (with a message) otherwise.
"""
import json
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def junit(path, want_cases, want_failures):
    from lxml import etree
    try:
        root = etree.parse(path).getroot()
    except etree.XMLSyntaxError as e:
        fail("not well-formed XML: %s" % e)
    if root.tag != "testsuites":
        fail("root is %s" % root.tag)
    suites = root.findall("testsuite")
    if len(suites) != 1:
        fail("%d testsuite elements" % len(suites))
    cases = suites[0].findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    if len(cases) != int(want_cases):
        fail("%d testcases, want %s" % (len(cases), want_cases))
    if len(failures) != int(want_failures):
        fail("%d failures, want %s" % (len(failures), want_failures))
    for el in (root, suites[0]):
        if el.get("tests") != str(len(cases)) or el.get("failures") != str(len(failures)):
            fail("counts on <%s> do not match the testcases" % el.tag)
    for c in cases:
        if not c.get("name") or not c.get("classname"):
            fail("testcase without name or classname")
        f = c.find("failure")
        if f is not None and (not f.get("message") or not f.get("type")):
            fail("failure without message or type")
        print(c.get("classname") + " | " + c.get("name") + (" | FAILED" if f is not None else ""))


def sarif(path, schema_path):
    import jsonschema
    with open(path) as f:
        doc = json.load(f)
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        fail("; ".join("%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors[:5]))
    for run in doc["runs"]:
        rules = run["tool"]["driver"].get("rules", [])
        ids = [r["id"] for r in rules]
        if len(ids) != len(set(ids)):
            fail("duplicate rule ids")
        for res in run.get("results", []):
            if rules[res["ruleIndex"]]["id"] != res["ruleId"]:
                fail("ruleIndex of %s points at %s" % (res["ruleId"], ids[res["ruleIndex"]]))
        print("%d rules, %d results" % (len(rules), len(run.get("results", []))))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "junit":
        junit(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 4 and sys.argv[1] == "sarif":
        sarif(sys.argv[2], sys.argv[3])
    else:
        fail("usage: check_ci_output.py junit FILE CASES FAILURES | sarif FILE SCHEMA")
