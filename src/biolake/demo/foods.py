"""A small food catalog for the demo's meals: nutrients per serving, as MyFitnessPal would log them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Food:
    """One serving of a food. Masses in g, sodium/potassium/cholesterol in mg, vitamins in % daily value."""

    name: str
    carbs: float
    protein: float
    fat: float
    fiber: float
    sugar: float
    sodium: float
    saturated: float = 0.0
    cholesterol: float = 0.0
    potassium: float = 0.0
    vitamin_a: float = 0.0
    vitamin_c: float = 0.0
    calcium: float = 0.0
    iron: float = 0.0

    @property
    def kcal(self) -> float:
        return 4 * self.carbs + 4 * self.protein + 9 * self.fat


# meal -> foods it is built from; a meal takes one "main" (first group) and up to two "sides" (second).
MENU: dict[str, tuple[tuple[Food, ...], tuple[Food, ...]]] = {
    "Breakfast": (
        (
            Food("Oatmeal, rolled oats", 54, 10, 5, 8, 1, 5, 1, 0, 290, 0, 0, 4, 20),
            Food("Greek yogurt with granola", 42, 20, 9, 3, 18, 80, 3, 15, 300, 2, 0, 20, 6),
            Food("Whole wheat toast, peanut butter", 36, 14, 17, 6, 6, 320, 3, 0, 250, 0, 0, 6, 12),
            Food("Scrambled eggs", 2, 13, 11, 0, 1, 340, 4, 370, 140, 10, 0, 6, 8),
            Food("Bagel with cream cheese", 58, 12, 11, 2, 7, 520, 6, 30, 120, 6, 0, 8, 20),
        ),
        (
            Food("Banana", 27, 1, 0.4, 3, 14, 1, 0.1, 0, 420, 2, 17, 0, 2),
            Food("Orange juice", 26, 2, 0.5, 0.5, 21, 2, 0.1, 0, 450, 4, 138, 2, 2),
            Food("Coffee with milk", 3, 2, 2, 0, 3, 30, 1, 6, 180, 2, 0, 6, 0),
            Food("Blueberries", 21, 1, 0.5, 4, 15, 1, 0, 0, 110, 2, 24, 1, 2),
        ),
    ),
    "Lunch": (
        (
            Food("Turkey sandwich", 45, 28, 12, 5, 6, 1100, 3, 50, 400, 4, 6, 10, 20),
            Food("Chicken burrito bowl", 72, 38, 18, 11, 4, 1350, 6, 95, 780, 20, 35, 15, 25),
            Food("Lentil soup", 40, 18, 4, 15, 5, 780, 1, 0, 730, 60, 10, 6, 35),
            Food("Pepperoni pizza, 2 slices", 68, 26, 26, 4, 8, 1300, 11, 55, 380, 14, 4, 40, 25),
            Food("Caesar salad with chicken", 14, 36, 28, 4, 3, 1000, 7, 105, 620, 120, 30, 20, 12),
        ),
        (
            Food("Apple", 25, 0.5, 0.3, 4, 19, 2, 0, 0, 195, 2, 14, 1, 1),
            Food("Potato chips", 15, 2, 10, 1, 0, 170, 1, 0, 350, 0, 10, 0, 2),
            Food("Sparkling water", 0, 0, 0, 0, 0, 10),
            Food("Cola", 39, 0, 0, 0, 39, 45),
        ),
    ),
    "Dinner": (
        (
            Food("Spaghetti bolognese", 85, 32, 20, 7, 10, 900, 7, 60, 800, 20, 25, 10, 30),
            Food("Salmon, rice and broccoli", 52, 40, 18, 5, 2, 420, 3, 90, 1000, 50, 110, 8, 15),
            Food("Chicken stir-fry with noodles", 70, 34, 16, 5, 9, 1250, 3, 80, 650, 40, 60, 6, 20),
            Food("Steak with baked potato", 48, 45, 24, 5, 3, 380, 10, 120, 1300, 4, 30, 4, 30),
            Food("Vegetable curry with naan", 95, 16, 22, 10, 12, 1150, 9, 10, 700, 80, 45, 12, 25),
        ),
        (
            Food("Side salad", 7, 2, 7, 3, 3, 150, 1, 0, 300, 90, 30, 4, 6),
            Food("Glass of red wine", 4, 0, 0, 0, 1, 6),
            Food("Dinner roll", 22, 4, 2, 1, 3, 230, 0.5, 0, 60, 0, 0, 4, 8),
            Food("Ice cream", 32, 4, 14, 1, 28, 80, 9, 50, 240, 10, 1, 12, 1),
        ),
    ),
    "Snacks": (
        (
            Food("Protein bar", 24, 20, 8, 5, 6, 200, 3, 10, 200, 0, 0, 15, 10),
            Food("Almonds", 6, 6, 14, 3.5, 1, 0, 1, 0, 200, 0, 0, 8, 6),
            Food("Granola bar", 29, 3, 6, 2, 11, 95, 1, 0, 100, 0, 0, 2, 4),
            Food("Chocolate chip cookies", 34, 2, 11, 1, 20, 160, 5, 10, 60, 0, 0, 2, 6),
            Food("Hummus and pretzels", 38, 7, 9, 4, 1, 620, 1, 0, 180, 0, 0, 4, 10),
        ),
        (
            Food("Banana", 27, 1, 0.4, 3, 14, 1, 0.1, 0, 420, 2, 17, 0, 2),
            Food("Latte", 15, 10, 7, 0, 14, 140, 4, 30, 480, 10, 0, 35, 0),
        ),
    ),
}
