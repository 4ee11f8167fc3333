/* report_html: PLACEHOLDER, to be replaced by its implementation. */
#include "report_html.h"

#include "cli.h"

int as_report_html(const char *dir, const json_t *summary, const char *out_path)
{
	(void)dir;
	(void)summary;
	(void)out_path;
	as_err("report: HTML output not implemented yet");
	return 1;
}
