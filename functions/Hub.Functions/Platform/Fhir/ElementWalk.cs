using System.Collections;
using Hl7.Fhir.Model;

namespace Hub.Platform.Fhir;

/// <summary>The FHIRPath of the element a walk is at, built only when someone asks (on an error), not at every step.</summary>
public sealed class ElementPath
{
    private readonly List<(string Name, int Index)> _segments = [];
    private readonly string _root;

    public ElementPath(string root) => _root = root;

    internal void Push(string name, int index) => _segments.Add((name, index));

    internal void Pop() => _segments.RemoveAt(_segments.Count - 1);

    /// <summary>How many elements deep the walk is: 1 for a resource's own elements.</summary>
    public int Depth => _segments.Count;

    public override string ToString() =>
        _root + string.Concat(_segments.Select(s => s.Index < 0 ? $".{s.Name}" : $".{s.Name}[{s.Index}]"));
}

/// <summary>One pass over a resource's elements, depth first, without copying it: what intake's checks and its content
/// fingerprint need, at a fraction of the cost of re-serializing. Contained resources are not entered.</summary>
public abstract class ElementWalk
{
    /// <summary>Called for each complex element; return false to skip its children.</summary>
    protected virtual bool Enter(string name, Base element, ElementPath path) => true;

    /// <summary>Called after a complex element's children (only for elements whose Enter returned true).</summary>
    protected virtual void Leave(string name, Base element, ElementPath path)
    {
    }

    /// <summary>Called for each primitive value (a string, number, boolean or date as its FHIR literal).</summary>
    protected virtual void Value(string name, object value, ElementPath path)
    {
    }

    public void Walk(Base node, string root) => Walk(node, new ElementPath(root));

    private void Walk(Base node, ElementPath path)
    {
        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Resource:
                    break;
                case Base element:
                    Visit(name, element, -1, path);
                    break;
                case IList list when value is not string:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is Base item and not Resource)
                        {
                            Visit(name, item, i, path);
                        }
                    }

                    break;
            }
        }
    }

    private void Visit(string name, Base element, int index, ElementPath path)
    {
        path.Push(name, index);
        if (Enter(name, element, path))
        {
            // A primitive's value is not one of its enumerated elements (only its id and extensions are).
            if (element is PrimitiveType primitive)
            {
                if (primitive.JsonValue is { } value)
                {
                    Value(name, value, path);
                }

                // Most primitives carry no id or extension: skip enumerating nothing.
                if (primitive.HasElements)
                {
                    Walk(element, path);
                }
            }
            else
            {
                Walk(element, path);
            }

            Leave(name, element, path);
        }

        path.Pop();
    }
}
