using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using Hub.Tests.Infrastructure;

namespace Hub.Tests;

/// <summary>The app is laid out along the referral's life, one folder (and namespace) per stage over a small platform.
/// A stage may use the stages below it and never one above, so no two namespaces depend on each other. Checked twice:
/// in the compiled code (every type, signature and method body) and in the sources' <c>using</c> directives, because
/// constants are copied into the IL and leave no reference behind.</summary>
[Trait("Category", "Unit")]
public sealed partial class SliceDependencyTests
{
    /// <summary>Lowest first. The README's layout table describes the same order.</summary>
    private static readonly string[] Layers =
    [
        "Hub.Platform.Fhir", "Hub.Platform.Storage", "Hub.Platform.Durable", "Hub.Platform.Telemetry", "Hub.Platform.Http", "Hub.Platform",
        "Hub.Referrals", "Hub.Access", "Hub.Email", "Hub.Providers", "Hub.FollowUp", "Hub.WriteBack", "Hub.Chase", "Hub.Intake",
        "Hub.LinkWork", "Hub.Evidence", "Hub.Operations", "Hub",
    ];

    private static readonly Assembly App = typeof(HubServices).Assembly;

    [Fact]
    public void Every_namespace_of_the_app_has_a_place_in_the_layers()
    {
        var unplaced = App.GetTypes().Select(t => t.Namespace).OfType<string>().Where(n => n.StartsWith("Hub", StringComparison.Ordinal))
            .Distinct().Where(n => Array.IndexOf(Layers, n) < 0).ToList();
        Assert.True(unplaced.Count == 0, $"Give these namespaces a place in the layers (and the README's layout table): {string.Join(", ", unplaced)}");
    }

    [Fact]
    public void No_compiled_type_uses_a_type_of_a_higher_layer()
    {
        var wrong = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in App.GetTypes())
        {
            var from = Rank(type);
            if (from < 0)
            {
                continue;
            }

            foreach (var used in UsedTypes(type))
            {
                var to = Rank(used);
                if (to > from)
                {
                    wrong.Add($"{Outer(type).FullName} uses {Outer(used).FullName}");
                }
            }
        }

        Assert.True(wrong.Count == 0, "A lower layer uses a higher one:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void No_source_file_imports_a_higher_layer()
    {
        var root = Path.Combine(Azurite.RepositoryRoot(), "functions", "Hub.Functions");
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            if (NamespaceLine().Match(text) is not { Success: true } own)
            {
                continue;
            }

            var from = Array.IndexOf(Layers, own.Groups[1].Value);
            foreach (Match import in HubReference().Matches(text))
            {
                var to = RankOf(import.Groups[1].Value);
                if (to > from)
                {
                    wrong.Add($"{Path.GetRelativePath(root, file)} names {import.Groups[1].Value}");
                }
            }
        }

        Assert.True(wrong.Count == 0, "A lower layer names a higher one:\n" + string.Join("\n", wrong.Distinct()));
    }

    private static int Rank(Type type) => Outer(type).Namespace is { } ns ? Array.IndexOf(Layers, ns) : -1;

    /// <summary>The longest layer a (possibly longer) namespace falls in.</summary>
    private static int RankOf(string ns)
    {
        for (var candidate = ns; candidate.Length > 0; candidate = candidate.Contains('.', StringComparison.Ordinal) ? candidate[..candidate.LastIndexOf('.')] : string.Empty)
        {
            var rank = Array.IndexOf(Layers, candidate);
            if (rank >= 0)
            {
                return rank;
            }
        }

        return -1;
    }

    private static Type Outer(Type type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static HashSet<Type> UsedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null)
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }

            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }

                t = t.GetGenericTypeDefinition();
            }

            if (t.Assembly == App && !t.IsGenericParameter)
            {
                found.Add(t);
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var field in type.GetFields(all))
        {
            Add(field.FieldType);
        }

        foreach (var property in type.GetProperties(all))
        {
            Add(property.PropertyType);
        }

        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }

            foreach (var member in MembersIn(method))
            {
                switch (member)
                {
                    case Type t:
                        Add(t);
                        break;
                    case MethodBase m:
                        Add(m.DeclaringType);
                        if (m is MethodInfo { IsGenericMethod: true } generic)
                        {
                            foreach (var argument in generic.GetGenericArguments())
                            {
                                Add(argument);
                            }
                        }

                        break;
                    case FieldInfo f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }
        }

        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types, methods and fields a method body names, read from its IL.</summary>
    private static IEnumerable<MemberInfo> MembersIn(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            short value = il[at++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at++]);
            }

            var code = OpCodesByValue[value];
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, at);
                    at += 4;
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                        // A token of another generic context: nothing of the app's own.
                    }

                    if (member is not null)
                    {
                        yield return member;
                    }

                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (BitConverter.ToInt32(il, at) * 4);
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"\b(Hub(?:\.[A-Z]\w*)+)\b")]
    private static partial Regex HubReference();
}
