using Spectre.Console;

namespace EtlRouter.Cli;

/// <summary>
/// Where etlctl writes: a Spectre console for tables (sized to the terminal, coloured only on a terminal and
/// without NO_COLOR), the raw writer for yaml/json/name output, and standard error for messages.
/// </summary>
internal sealed class CliConsole(IAnsiConsole console, TextWriter output, TextWriter error, Func<string, string?> environment, TextReader input)
{
    private const int UnboundedWidth = 4096;

    public IAnsiConsole Console { get; } = console;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TextReader In { get; } = input;

    public Func<string, string?> Environment { get; } = environment;

    /// <summary>The process's own console: Spectre detects the terminal's width and colour support.</summary>
    public static CliConsole System()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(global::System.Console.Out) });

        // Piped into a script or a file: never wrap (there is no terminal width to fit).
        if (global::System.Console.IsOutputRedirected) console.Profile.Width = UnboundedWidth;
        return new CliConsole(console, global::System.Console.Out, global::System.Console.Error, global::System.Environment.GetEnvironmentVariable, global::System.Console.In);
    }

    /// <summary>A console writing plain text of a fixed width (tests and golden files).</summary>
    public static CliConsole Plain(TextWriter output, TextWriter error, int width, Func<string, string?> environment, TextReader? input = null)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        return new CliConsole(console, output, error, environment, input ?? TextReader.Null);
    }

    public void Line(string text) => Out.WriteLine(text);

    /// <summary>A one-line status message ("pipeline default/x created"), in green on a terminal.</summary>
    public void Done(string text) => Console.MarkupLine($"[green]{Markup.Escape(text)}[/]");
}
