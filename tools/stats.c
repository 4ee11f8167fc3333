/* stats: PLACEHOLDER, to be replaced by its implementation (see stats.h). */
typedef int as_stats_placeholder;
