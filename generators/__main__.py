"""Regenerate all committed test data in place: samples, databases.csv, templates, report rules (`make generate`)."""

from generators import report_rules, samples_domains, samples_tasks, templates

samples_tasks.main()
samples_domains.main()
templates.main()
for report in sorted(p.stem for p in report_rules.RELATIONS.glob("*.csv")):
    print(f"wrote {report_rules.main(report)}")
