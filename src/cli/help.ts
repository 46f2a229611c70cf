import { Help, type HelpConfiguration, type Option } from 'commander';

/**
 * Commander's help lists a requiredOption like any other option: this adds "(required)" to its line, so
 * `--help` says what the command refuses to run without.
 */
export const helpMarksRequired: HelpConfiguration = {
  optionDescription(option: Option): string {
    const text = Help.prototype.optionDescription.call(this, option);
    return option.mandatory ? `${text} (required)` : text;
  },
};
