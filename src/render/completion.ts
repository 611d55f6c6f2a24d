/**
 * Shell completion scripts for bash, zsh and fish, generated from the one definition of the
 * commands and options (cli.ts describes its commander program as a CommandSpec), so that a
 * new command or option is completed without anyone editing a script.
 */

export interface OptionSpec {
  /** `--top-k` */
  long: string;
  /** `-k`, when there is one. */
  short?: string;
  description: string;
  /** Takes a value (`--top-k <n>`). */
  takesValue: boolean;
  /** The values it accepts, when they are a fixed list. */
  choices?: readonly string[];
  /** Its value is a path (completed as files). */
  isPath?: boolean;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Positional arguments are paths (completed as files). */
  takesPaths: boolean;
  /** Or one of these words. */
  values?: readonly string[];
}

export interface ProgramSpec {
  name: string;
  globalOptions: OptionSpec[];
  commands: CommandSpec[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, spec: ProgramSpec): string {
  // A command's own option wins over a global one of the same name (`--json` is both).
  const own = (c: CommandSpec) => new Set(c.options.map((o) => o.long));
  const globals = (c: CommandSpec) => spec.globalOptions.filter((o) => !own(c).has(o.long));
  const merged: ProgramSpec = { ...spec, commands: spec.commands.map((c) => ({ ...c, options: [...c.options, ...globals(c)] })) };
  return shell === 'bash' ? bashScript(merged) : shell === 'zsh' ? zshScript(merged) : fishScript(merged, spec);
}

function words(options: readonly OptionSpec[]): string {
  return options.flatMap((o) => (o.short ? [o.short, o.long] : [o.long])).join(' ');
}

function valueCases(spec: ProgramSpec, indent: string): string {
  const all = [...spec.globalOptions, ...spec.commands.flatMap((c) => c.options)].filter((o) => o.takesValue);
  const seen = new Set<string>();
  const cases: string[] = [];
  for (const o of all) {
    const names = [o.long, ...(o.short ? [o.short] : [])].filter((n) => !seen.has(n));
    if (names.length === 0) continue;
    names.forEach((n) => seen.add(n));
    const reply = o.choices ? `COMPREPLY=($(compgen -W "${o.choices.join(' ')}" -- "$cur"))` : o.isPath ? 'COMPREPLY=($(compgen -f -- "$cur"))' : 'COMPREPLY=()';
    cases.push(`${indent}${names.join('|')}) ${reply}; return ;;`);
  }
  return cases.join('\n');
}

function bashScript(spec: ProgramSpec): string {
  const fn = `_${spec.name}_completion`;
  const commandCases = spec.commands
    .map((c) => {
      const values = c.values ? `; values="${c.values.join(' ')}"` : '';
      return `    ${c.name}) opts="${words(c.options)}"; paths=${c.takesPaths ? 1 : 0}${values} ;;`;
    })
    .join('\n');
  return `# bash completion for ${spec.name}: eval "$(${spec.name} completion bash)"
${fn}() {
  local cur prev cmd opts paths values i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
${valueCases(spec, '    ')}
  esac
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  paths=0
  values=""
  case "$cmd" in
    "") opts="${words(spec.globalOptions)}"
        if [[ "$cur" != -* ]]; then COMPREPLY=($(compgen -W "${spec.commands.map((c) => c.name).join(' ')}" -- "$cur")); return; fi ;;
${commandCases}
  esac
  if [[ "$cur" != -* && -n "$values" ]]; then
    COMPREPLY=($(compgen -W "$values" -- "$cur"))
  elif [[ "$cur" == -* || $paths == 0 ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -F ${fn} ${spec.name}
`;
}

function zshEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "'\\''").replace(/\[/g, '\\[').replace(/\]/g, '\\]').replace(/:/g, '\\:');
}

function zshOption(o: OptionSpec): string {
  const value = o.takesValue ? `:${o.long.slice(2)}:${o.choices ? `(${o.choices.join(' ')})` : o.isPath ? '_files' : ' '}` : '';
  const desc = `[${zshEscape(o.description)}]`;
  return o.short ? `'(${o.short} ${o.long})'{${o.short},${o.long}}'${desc}${value}'` : `'${o.long}${desc}${value}'`;
}

function zshScript(spec: ProgramSpec): string {
  const fn = `_${spec.name}`;
  const commandList = spec.commands.map((c) => `    '${c.name}:${zshEscape(c.description)}'`).join('\n');
  const commandCases = spec.commands
    .map((c) => `      ${c.name}) _arguments -s ${c.options.map(zshOption).join(' ')}${c.values ? ` '1:${c.name}:(${c.values.join(' ')})'` : c.takesPaths ? " '*:path:_files'" : " '*: :'"} ;;`)
    .join('\n');
  return `#compdef ${spec.name}
# zsh completion for ${spec.name}: ${spec.name} completion zsh > "\${fpath[1]}/_${spec.name}"
${fn}() {
  local -a commands
  commands=(
${commandList}
  )
  local curcontext="$curcontext" state line
  _arguments -C -s ${spec.globalOptions.map(zshOption).join(' ')} '1: :->command' '*:: :->args'
  case $state in
    command) _describe -t commands '${spec.name} command' commands ;;
    args)
      case $line[1] in
${commandCases}
      esac ;;
  esac
}
compdef ${fn} ${spec.name}
`;
}

function fishEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

function fishOption(name: string, o: OptionSpec, condition: string): string {
  const parts = [`complete -c ${name}`, condition];
  parts.push(`-l ${o.long.slice(2)}`);
  if (o.short) parts.push(`-s ${o.short.slice(1)}`);
  if (o.takesValue) parts.push(o.choices ? `-x -a '${o.choices.join(' ')}'` : o.isPath ? '-r -F' : '-x');
  parts.push(`-d '${fishEscape(o.description)}'`);
  return parts.join(' ');
}

/** `spec` has each command's options merged with the global ones; fish takes them apart again. */
function fishScript(spec: ProgramSpec, original: ProgramSpec): string {
  const { name } = spec;
  const names = spec.commands.map((c) => c.name).join(' ');
  const lines = [
    `# fish completion for ${name}: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `complete -c ${name} -f`,
    ...spec.commands.map((c) => `complete -c ${name} -n 'not __fish_seen_subcommand_from ${names}' -a ${c.name} -d '${fishEscape(c.description)}'`),
    ...spec.globalOptions.map((o) => fishOption(name, o, '')),
    ...spec.commands.flatMap((c) => [
      ...(original.commands.find((o) => o.name === c.name)?.options ?? []).map((o) => fishOption(name, o, `-n '__fish_seen_subcommand_from ${c.name}'`)),
      ...(c.takesPaths ? [`complete -c ${name} -n '__fish_seen_subcommand_from ${c.name}' -F`] : []),
      ...(c.values ? [`complete -c ${name} -n '__fish_seen_subcommand_from ${c.name}' -a '${c.values.join(' ')}'`] : []),
    ]),
  ];
  return `${lines.map((l) => l.replace(/  +/g, ' ')).join('\n')}\n`;
}
