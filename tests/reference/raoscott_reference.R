# Reference figures for tests/test_raoscott.py, computed with R's survey package.
# Run from this folder:  Rscript raoscott_reference.R > raoscott_reference.txt
# (R 4.2.2 and survey 4.1.1 from Debian: apt-get install r-base-core r-cran-survey)
suppressMessages(library(survey))
options(digits = 12)
source("svychisq_show.R")

# 1. weights-only design (ids=~1): the design every weighted questionnaire table uses
d <- read.csv("raoscott_weights.csv")
des <- svydesign(ids = ~1, weights = ~w, data = d)
show("weights vejledning x lyst F", svychisq(~vejledning + lyst, des, statistic = "F"))
show("weights vejledning x lyst Chisq", svychisq(~vejledning + lyst, des, statistic = "Chisq"))
show("weights koen x tick F", svychisq(~koen + tick, des, statistic = "F"))
show("weights koen x tick Chisq", svychisq(~koen + tick, des, statistic = "Chisq"))
show("weights match x lyst F", svychisq(~match + lyst, des, statistic = "F"))
# weighted row percentages of vejledning x lyst (what the table shows)
print(round(100 * prop.table(svytable(~vejledning + lyst, des), 1), 8))

# 2. stratified, weights only
sdes <- svydesign(ids = ~1, strata = ~koen, weights = ~w, data = d)
show("strata vejledning x lyst F", svychisq(~vejledning + lyst, sdes, statistic = "F"))
show("strata vejledning x lyst Chisq", svychisq(~vejledning + lyst, sdes, statistic = "Chisq"))

# 3. one-stage cluster sample with fpc (survey's own example; NOTES.md quotes F = 5.1934)
a <- read.csv("apiclus1_subset.csv", check.names = FALSE)
names(a) <- make.names(names(a))
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = a, fpc = ~fpc)
show("apiclus1 sch.wide x stype F", svychisq(~sch.wide + stype, dclus1, statistic = "F"))
show("apiclus1 sch.wide x stype Chisq", svychisq(~sch.wide + stype, dclus1, statistic = "Chisq"))
show("apiclus1 comp.imp x stype F", svychisq(~comp.imp + stype, dclus1, statistic = "F"))

# 4. unweighted Pearson for comparison (equal weights: X^2 equals chisq.test)
show("unweighted vejledning x lyst Pearson", chisq.test(table(d$vejledning, d$lyst), correct = FALSE))
