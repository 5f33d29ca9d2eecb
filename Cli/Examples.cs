using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace EtlRouter.Cli;

/// <summary>
/// Examples for every command's --help: printed after System.CommandLine's own help, for the command asked
/// about (its one-line description stays short in the parent's command list).
/// </summary>
internal static class Examples
{
    private static readonly ConditionalWeakTable<Command, string[]> ByCommand = new();

    public static Command Command(string name, string description, params string[] examples)
    {
        var command = new Command(name, description);
        ByCommand.AddOrUpdate(command, examples);
        return command;
    }

    public static RootCommand Root(string description, params string[] examples)
    {
        var root = new RootCommand(description);
        ByCommand.AddOrUpdate(root, examples);
        return root;
    }

    public static IReadOnlyList<string> For(Command command) => ByCommand.TryGetValue(command, out var examples) ? examples : [];

    /// <summary>Whether the command line asks for help (which runs whatever else it holds).</summary>
    public static bool IsHelp(ParseResult parse) => parse.Action is HelpAction or WithExamples;

    /// <summary>Wraps the root's help action so that examples follow the usual help text.</summary>
    public static void AppendToHelp(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new WithExamples((HelpAction)help.Action!);
    }

    private sealed class WithExamples(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var result = inner.Invoke(parseResult);
            var examples = For(parseResult.CommandResult.Command);
            if (examples.Count > 0)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples) output.WriteLine($"  {example}");
                output.WriteLine();
            }

            return result;
        }
    }
}
