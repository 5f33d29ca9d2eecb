using System.CommandLine;

namespace EtlRouter.Cli.Commands;

/// <summary>
/// etlctl completion bash|zsh: a script that asks etlctl itself for completions (System.CommandLine's
/// [suggest] directive), so commands, options and kinds complete from the same definitions that parse them.
/// </summary>
internal static class CompletionCommand
{
    private const string Bash = """
        # etlctl completion for bash: source <(etlctl completion bash)
        _etlctl_complete() {
          local IFS=$'\n'
          COMPREPLY=( $(compgen -W "$(etlctl "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _etlctl_complete etlctl

        """;

    private const string Zsh = """
        # etlctl completion for zsh: source <(etlctl completion zsh)
        autoload -U +X bashcompinit && bashcompinit
        _etlctl_complete() {
          local IFS=$'\n'
          COMPREPLY=( $(compgen -W "$(etlctl "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _etlctl_complete etlctl

        """;

    public static Command Create(GlobalOptions global)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = Examples.Command("completion",
            "Print a shell completion script.",
            "source <(etlctl completion bash)",
            "etlctl completion zsh > \"${fpath[1]}/_etlctl\"");
        command.Arguments.Add(shell);
        command.Run(global.Console, (parse, _) =>
        {
            global.Console.Out.Write(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
