using Hl7.Fhir.Model;

namespace Hub.Evidence;

/// <summary>The pieces a MeasureReport is built of: coded groups, populations and strata whose hidden counts are left
/// out and marked masked, and scores rounded in their units.</summary>
internal static class MeasureReportFigures
{
    private const string PopulationSystem = "http://terminology.hl7.org/CodeSystem/measure-population";
    private const string Ucum = "http://unitsofmeasure.org";

    public static MeasureReport.GroupComponent CodedGroup(string system, string code, string text) =>
        new() { Code = new CodeableConcept(system, code, text) };

    public static CodeableConcept PopulationCode(string code) => new(PopulationSystem, code);

    public static MeasureReport.PopulationComponent Population(string code, Figure figure)
    {
        var population = new MeasureReport.PopulationComponent { Code = PopulationCode(code) };
        population.Count = Shown(population, figure);
        return population;
    }

    /// <summary>One stratum of a stratifier, with its count (masked when hidden).</summary>
    public static MeasureReport.StratifierGroupComponent Stratum(CodeableConcept value, Figure figure)
    {
        var population = new MeasureReport.StratifierGroupPopulationComponent { Code = PopulationCode("measure-population") };
        population.Count = Shown(population, figure);
        return new MeasureReport.StratifierGroupComponent { Value = value, Population = [population] };
    }

    /// <summary>The count to write, or null with the element marked masked when the figure is hidden.</summary>
    public static int? Shown(Element population, Figure figure)
    {
        if (figure.Shown is not { } shown)
        {
            Masked(population);
            return null;
        }

        return shown;
    }

    /// <summary>A population with its own code (not one of the core measure-population codes).</summary>
    public static MeasureReport.PopulationComponent Population(CodeableConcept code, Figure figure)
    {
        var population = new MeasureReport.PopulationComponent { Code = code };
        population.Count = Shown(population, figure);
        return population;
    }

    public static void Score(MeasureReport.GroupComponent group, double? value, string unitCode, string unit)
    {
        if (value is { } v)
        {
            group.MeasureScore = Rounded(v, unitCode, unit);
        }
        else
        {
            Masked(group);
        }
    }

    /// <summary>Hidden or withheld: too few people for the figure to be shown.</summary>
    public static void Masked(Element element) =>
        element.Extension.Add(new Extension(EvidenceMeasureReport.DataAbsentReason, new Code("masked")));

    /// <summary>A UCUM quantity, already at its published precision, its unit shown as <paramref name="unit"/> or else as its code.</summary>
    public static Quantity Rounded(double value, string unitCode, string? unit = null) =>
        new((decimal)value, unitCode, Ucum) { Unit = unit ?? unitCode };

    public static Quantity Money(double value) =>
        new((decimal)value, "GBP", "urn:iso:std:iso:4217") { Unit = "£" };
}
