using System.Reflection;
using System.Text.RegularExpressions;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Architecture;

/// <summary>
/// The shared libraries export only what another assembly of ours uses: a public type no other product folder
/// names is internal by default, as in the programs (AssemblyBoundaryTests pins their exports by name). The
/// generated wire types (Contracts' protobuf and gRPC classes) are public by generation and left out.
/// </summary>
public sealed partial class LibraryExportsTests
{
    /// <summary>Each library and the folder its sources live in.</summary>
    public static TheoryData<string, string> Libraries => new()
    {
        { "EtlRouter.Contracts", "Contracts" },
        { "EtlRouter.Security", "Security" },
        { "EtlRouter.Pipelines", "Pipelines" },
        { "EtlRouter.Entities", "Entities" },
        { "EtlRouter.OperatorRuntime.Abstractions", "OperatorRuntime.Abstractions" },
    };

    /// <summary>Where the product's code lives; tests, benches and the testing rig do not make a type part of an API.</summary>
    private static readonly string[] ProductFolders =
        ["Cli", "Connectors", "Contracts", "Entities", "Operator", "OperatorRuntime", "OperatorRuntime.Abstractions", "Pipelines", "RouterRuntime", "Security", "Sidecar", "SidecarInjector"];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void A_library_exports_only_what_another_product_folder_uses(string assembly, string folder)
    {
        var library = Assembly.Load(assembly);
        var elsewhere = WordsIn(ProductFolders.Where(f => f != folder));
        var exported = library.GetExportedTypes()
            .Where(t => t.Namespace != "EtlRouter.Contracts.V1" && t.GetCustomAttribute<System.CodeDom.Compiler.GeneratedCodeAttribute>() is null)
            .ToList();
        Assert.NotEmpty(exported);

        // Used: named in another folder, or reached through the public surface of a used type (a property's type
        // must be as visible as the property).
        var used = new HashSet<Type>(exported.Where(t => NamedIn(t, elsewhere)));
        var pending = new Queue<Type>(used);
        while (pending.TryDequeue(out var type))
        {
            foreach (var reached in Surface(type).Where(t => t.Assembly == library && t.IsPublic || t.IsNestedPublic))
            {
                if (reached.Assembly == library && used.Add(reached)) pending.Enqueue(reached);
            }
        }

        var unused = exported.Where(t => !used.Contains(t)).Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();
        Assert.True(unused.Count == 0, $"{assembly} exports types no other product folder uses; make them internal:\n{string.Join("\n", unused)}");
    }

    /// <summary>Whether code names the type: by its name, as an attribute (without the suffix) or through one of its extension methods.</summary>
    private static bool NamedIn(Type type, HashSet<string> words)
    {
        var name = type.Name.Split('`')[0];
        if (words.Contains(name)) return true;
        if (typeof(Attribute).IsAssignableFrom(type) && name.EndsWith("Attribute", StringComparison.Ordinal) && words.Contains(name[..^"Attribute".Length])) return true;
        return type.IsAbstract && type.IsSealed && type.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Any(m => m.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute)) && words.Contains(m.Name));
    }

    /// <summary>The types a type's public surface names: its base, interfaces, public members' types, generic arguments, nested types.</summary>
    private static IEnumerable<Type> Surface(Type type)
    {
        const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var direct = new List<Type?> { type.BaseType, type.DeclaringType };
        direct.AddRange(type.GetInterfaces());
        direct.AddRange(type.GetNestedTypes(BindingFlags.Public));
        direct.AddRange(type.GetProperties(visible).Select(p => p.PropertyType));
        direct.AddRange(type.GetFields(visible).Select(f => f.FieldType));
        foreach (var method in type.GetMethods(visible).Cast<MethodBase>().Concat(type.GetConstructors(visible)))
        {
            if (method is MethodInfo info) direct.Add(info.ReturnType);
            direct.AddRange(method.GetParameters().Select(p => p.ParameterType));
        }

        return direct.OfType<Type>().SelectMany(Unwrap);
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType) return Unwrap(type.GetElementType()!);
        return type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrap).Append(type.GetGenericTypeDefinition()) : [type];
    }

    private static HashSet<string> WordsIn(IEnumerable<string> folders)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                foreach (Match m in Word().Matches(File.ReadAllText(file))) words.Add(m.Value);
            }
        }

        return words;
    }

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Word();
}
