# Fuzzing: libFuzzer targets (placeholder until the targets land).
check-fuzz:
	@mkdir -p $(BUILD)/fuzz && : >$(BUILD)/fuzz/outcomes.tsv
	@echo "check-fuzz: no fuzz targets yet"
